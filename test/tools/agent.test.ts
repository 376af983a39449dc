// `norn agent` end to end: the built agent follows a file on disk and pushes to a real node
// (its own process, so it can be restarted) through rename-and-create rotation, copytruncate
// rotation, a server restart and an agent restart; then every line must be readable exactly
// once, checked with the canary's queue checker.

import { appendFileSync, copyFileSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkQueue } from '../../tools/canary/checker.js';
import type { WriteRecord } from '../../tools/canary/line.js';
import { readBack } from '../../tools/canary/read-back.js';
import { freePort, tempDir } from '../helpers/norn.js';
import { eventually, metricValue, nornNode, nornProcess, sleep, type CliProcess } from './cli.js';

const dir = tempDir('norn-agent-');
const logFile = join(dir, 'logs', 'app.log');
const positionsFile = join(dir, 'positions.yaml');
const written: WriteRecord[] = [];
let seq = 0;
const started: CliProcess[] = [];

function writeLines(count: number, phase: string): void {
  const lines = Array.from({ length: count }, () => {
    const n = seq++;
    written.push({ startMs: Date.now(), outcome: 'ok', lines: [{ seq: n, stream: 'agent', tsNs: 0n, line: `seq=${n} phase=${phase} msg="line ${n}"` }] });
    return `seq=${n} phase=${phase} msg="line ${n}"\n`;
  });
  appendFileSync(logFile, lines.join(''));
}

afterAll(async () => {
  for (const proc of started) await proc.stop('SIGKILL');
});

describe('norn agent', () => {
  it('ships every line exactly once through rotations and restarts of the server and the agent', { timeout: 300_000 }, async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const dataDir = join(dir, 'data');
    let node = await nornNode(port, ['--data-dir', dataDir]);
    started.push(node);
    const config = join(dir, 'agent.yaml');
    writeFileSync(
      config,
      [
        `server: { http_listen_address: 127.0.0.1, http_listen_port: ${metricsPort} }`,
        `positions: { filename: ${positionsFile}, sync_period: 200ms }`,
        'target_config: { sync_period: 500ms, poll_interval: 100ms }',
        'clients:',
        `  - url: ${node.url}/loki/api/v1/push`,
        '    batchwait: 100ms',
        '    backoff_config: { min_period: 100ms, max_period: 1s }',
        'scrape_configs:',
        '  - job_name: app',
        '    static_configs:',
        `      - labels: { job: agent-test, stream: agent, __path__: ${join(dir, 'logs')}/*.log }`,
        '    pipeline_stages:',
        '      - logfmt: { mapping: { phase: "" } }',
        '      - labels: { phase: "" }',
        '      - drop: { expression: "^DEBUG" }',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(logFile, '');
    writeLines(30, 'before');
    appendFileSync(logFile, 'DEBUG dropped by the pipeline\n');

    const startAgent = (): CliProcess => {
      const agent = nornProcess(['agent', '--config', config, '--log-level', 'info']);
      started.push(agent);
      return agent;
    };
    let agent = startAgent();
    const sent = async (): Promise<number | undefined> => metricValue(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), 'norn_agent_sent_entries_total');
    const acknowledgedThrough = (n: number) => eventually(async () => ((await sent()) ?? 0) >= n ? true : undefined, 60_000, `${n} entries sent`);
    await acknowledgedThrough(30);

    // Rename and create: lines written to the old file after the rename are still read.
    writeLines(10, 'old');
    renameSync(logFile, `${logFile}.1`);
    appendFileSync(`${logFile}.1`, `seq=${seq} phase=late msg="after rename"\n`);
    written.push({ startMs: Date.now(), outcome: 'ok', lines: [{ seq: seq, stream: 'agent', tsNs: 0n, line: `seq=${seq++} phase=late msg="after rename"` }] });
    writeFileSync(logFile, '');
    writeLines(10, 'renamed');
    await acknowledgedThrough(51);

    // Copytruncate: the file is copied away and emptied in place.
    copyFileSync(logFile, `${logFile}.2`);
    truncateSync(logFile, 0);
    await sleep(1000);
    writeLines(10, 'truncated');
    await acknowledgedThrough(61);

    // Server restart: lines written while it is down arrive once it is back (retried).
    expect(await node.stop('SIGTERM'), `${node.stdout().slice(-3000)}\n${node.stderr().slice(-3000)}`).toBe(0);
    writeLines(10, 'server-down');
    await sleep(1500);
    node = await nornNode(port, ['--data-dir', dataDir]);
    started.push(node);
    await acknowledgedThrough(71);

    const before = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metricValue(before, 'norn_agent_stage_dropped_entries_total')).toBe(1);
    expect(metricValue(before, 'norn_agent_batch_retries_total')).toBeGreaterThan(0);

    // Agent restart: it resumes at the saved position, neither losing nor repeating lines.
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(readFileSync(positionsFile, 'utf8')).toMatch(/positions:\n\s+.*app\.log: "\d+"/);
    writeLines(10, 'agent-down');
    agent = startAgent();
    await acknowledgedThrough(10);

    const total = written.length;
    const fromNs = (BigInt(Date.now()) - 600_000n) * 1_000_000n;
    const toNs = (BigInt(Date.now()) + 60_000n) * 1_000_000n;
    const observed = await eventually(async () => {
      const { entries } = await readBack({ baseUrl: node.url, query: '{job="agent-test"}', fromNs, toNs });
      return entries.length >= total ? entries : undefined;
    }, 60_000, `${total} lines readable`);
    const check = checkQueue(written, observed, { matchTimestamps: false });
    expect({ lost: check.lost, unexpected: check.unexpected, duplicates: check.duplicates, readable: check.readable }).toEqual({ lost: 0, unexpected: 0, duplicates: 0, readable: total });
    expect(observed.some((entry) => entry.line.startsWith('DEBUG'))).toBe(false);

    // Labels from the pipeline, and the agent's own metrics.
    const byPhase = await fetch(`${node.url}/loki/api/v1/label/phase/values?start=${fromNs}&end=${toNs}`);
    expect(((await byPhase.json()) as { data: string[] }).data).toEqual(expect.arrayContaining(['before', 'renamed', 'truncated', 'server-down', 'agent-down']));
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metricValue(metrics, 'norn_agent_files_active_total')).toBe(1);
    expect(metricValue(metrics, 'norn_agent_read_lines_total')).toBe(10);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('refuses a bad configuration with exit code 2 and says what is wrong', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'clients: [{ url: http://127.0.0.1:1/loki/api/v1/push }]\nscrape_configs:\n  - job_name: x\n    static_configs: [{ labels: { __path__: /tmp/*.log } }]\n    pipeline_stages: [{ regex: { expression: "(unclosed" } }]\n');
    const agent = nornProcess(['agent', '--config', config]);
    expect(await agent.exited).toBe(2);
    expect(agent.stderr()).toMatch(/pipeline_stages\[0\]\.regex\.expression/);
    const none = nornProcess(['agent']);
    expect(await none.exited).toBe(2);
    expect(none.stderr()).toMatch(/--config FILE is required/);
  });
});
