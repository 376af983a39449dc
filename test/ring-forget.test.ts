// Forgetting ring members over real HTTP against a running Norn and its ring KV: Loki's Forget
// button on `/ring`, the same POST as an API, and `ring.autoforget_unhealthy`.

import { afterEach, describe, expect, it } from 'vitest';
import type { KvStore } from '../bus/bus.js';
import { subjects } from '../bus/subjects.js';
import type { RingMember } from '../actors/ring/model.js';
import { startTestNorn, tempDir } from './helpers/norn.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFile } from '../app/config-file.js';
import { configProblems } from '../app/config-schema.js';

type Norn = Awaited<ReturnType<typeof startTestNorn>>;
let norn: Norn | undefined;
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  await norn?.stop();
  norn = undefined;
});

function deadMember(id: string, heartbeatMs = Date.now() - 3_600_000): RingMember {
  return { id, state: 'ACTIVE', tokens: [10, 20, 30], zone: '', heartbeatMs, registeredMs: heartbeatMs };
}

async function ringStore(running: Norn): Promise<KvStore<RingMember>> {
  return (await running.bus.kv(subjects.ringBucket)) as KvStore<RingMember>;
}

async function memberIds(running: Norn): Promise<string[]> {
  const body = (await (await fetch(`${running.address}/ring`)).json()) as { members: Array<{ id: string }> };
  return body.members.map((member) => member.id).sort();
}

async function metric(running: Norn, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${running.address}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match === null ? undefined : Number(match[1]);
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('forgetting a ring member', () => {
  it('shows a Forget button per member on the HTML page, and the form post removes the member', async () => {
    norn = await startTestNorn();
    const running = norn;
    await (await ringStore(running)).put('ingester-dead', deadMember('ingester-dead'));
    await until(async () => (await memberIds(running)).includes('ingester-dead'), 'the planted member');

    const page = await (await fetch(`${running.address}/ring`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('<form action="" method="POST">');
    expect(page).toContain('<button name="forget" value="ingester-dead" type="submit">Forget</button>');
    expect(page).toContain(`<button name="forget" value="${running.config.id}" type="submit">Forget</button>`);

    // What the browser sends when the button is pressed: a form post, then it follows the redirect.
    const posted = await fetch(`${running.address}/ring`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'forget=ingester-dead',
      redirect: 'manual',
    });
    expect(posted.status).toBe(302);
    expect(posted.headers.get('location')).toBe('#');

    expect(await (await ringStore(running)).get('ingester-dead')).toBeNull();
    await until(async () => !(await memberIds(running)).includes('ingester-dead'), 'the ring to drop the member');
    expect(await memberIds(running)).toEqual([running.config.id]);
    expect(await metric(running, 'norn_ring_members_forgotten_total')).toBe(1);
  });

  it('answers API clients with JSON, 404 for an unknown id, 400 without an id', async () => {
    norn = await startTestNorn();
    const running = norn;
    await (await ringStore(running)).put('ingester-dead', deadMember('ingester-dead'));

    const json = await fetch(`${running.address}/ring`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ forget: 'ingester-dead' }),
    });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ status: 'success', data: { forgotten: 'ingester-dead' } });

    const again = await fetch(`${running.address}/ring?forget=ingester-dead`, { method: 'POST' });
    expect(again.status).toBe(404);
    expect(await again.text()).toBe("instance 'ingester-dead' is not in the ring");

    const missing = await fetch(`${running.address}/ring`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('forget');
  });

  it('a live member that is forgotten writes itself back with its next heartbeat', async () => {
    norn = await startTestNorn({ ring: { heartbeatMs: 100, heartbeatTimeoutMs: 5_000 } });
    const running = norn;
    const self = running.config.id;
    const response = await fetch(`${running.address}/ring?forget=${self}`, { method: 'POST' });
    expect(response.status).toBe(200);
    await until(async () => (await (await ringStore(running)).get(self))?.value.state === 'ACTIVE', 'the member to re-register');
    expect(await memberIds(running)).toEqual([self]);
  });
});

describe('ring.autoforget_unhealthy', () => {
  it('removes a member dead past the heartbeat timeout and keeps the live ones', async () => {
    norn = await startTestNorn({ ring: { heartbeatMs: 100, heartbeatTimeoutMs: 1_000, autoforgetUnhealthy: true } });
    const running = norn;
    const store = await ringStore(running);
    // A second live member (beating as a peer ingester would), so this ingester is not alone:
    // with every other member unhealthy, Loki's rule suspects a partition and forgets nothing.
    await store.put('ingester-peer', deadMember('ingester-peer', Date.now()));
    timers.push(setInterval(() => void store.put('ingester-peer', deadMember('ingester-peer', Date.now())), 100));
    await store.put('ingester-dead', deadMember('ingester-dead'));

    await until(async () => (await store.get('ingester-dead')) === null, 'autoforget to remove the dead member');
    expect(await memberIds(running)).toEqual(['ingester-peer', running.config.id].sort());
    expect(await metric(running, 'norn_ingester_autoforget_unhealthy_ingesters_total')).toBe(1);
  });

  it('forgets nothing while every other member is unhealthy (a partition of its own, as Loki reads it)', async () => {
    norn = await startTestNorn({ ring: { heartbeatMs: 100, heartbeatTimeoutMs: 1_000, autoforgetUnhealthy: true } });
    const running = norn;
    const store = await ringStore(running);
    await store.put('ingester-dead', deadMember('ingester-dead'));
    // Ten rounds at least: the dead member stays.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await store.get('ingester-dead')).not.toBeNull();
    expect(await metric(running, 'norn_ingester_autoforget_unhealthy_ingesters_total')).toBe(0);
  });

  it('is read from the ring section under Loki\'s name, and checked', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'on.yaml'), 'ring:\n  autoforget_unhealthy: true\n');
    const on = readConfigFile(join(dir, 'on.yaml'));
    expect(on.problems).toEqual([]);
    expect(on.config.ring.autoforgetUnhealthy).toBe(true);
    writeFileSync(join(dir, 'bad.yaml'), 'ring:\n  autoforget_unhealthy: sometimes\n');
    expect(configProblems(readConfigFile(join(dir, 'bad.yaml')).config)).toEqual(['ring.autoforget_unhealthy: expected true or false, got "sometimes"']);
  });

  it('is off by default', async () => {
    norn = await startTestNorn({ ring: { heartbeatMs: 100, heartbeatTimeoutMs: 1_000 } });
    expect(norn.config.ring.autoforgetUnhealthy).toBe(false);
    expect(await metric(norn, 'norn_ingester_autoforget_unhealthy_ingesters_total')).toBeUndefined();
  });
});
