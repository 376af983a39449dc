import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { InlinePatternMiner, ThreadPatternMiner } from './mod.js';
import type { Entry } from '../../../core/model.js';
import { encodePush } from '../protocol-codec.js';

const NOW = 1_700_000_000_000;
const labels = [{ name: 'app', value: 'hdfs' }];
const ts = (ms: number) => BigInt(ms) * 1_000_000n;

/** Real lines: the first 2,000 of loghub's HDFS sample, spread over the last hour. */
function hdfsEntries(): Entry[] {
  const text = readFileSync(new URL('../../../../shared/data/loghub/HDFS_2k.log', import.meta.url), 'utf8');
  return text.split('\n').filter((line) => line !== '').map((line, i) => ({ ts: ts(NOW - 3_600_000 + i * 1_000), line }));
}

const range = { tenant: 't', selector: '{app="hdfs"}', startMs: NOW - 3 * 3_600_000, endMs: NOW + 1, stepMs: 60_000 };
const miners: ThreadPatternMiner[] = [];
afterEach(async () => {
  for (const miner of miners.splice(0)) await miner.close();
});

describe('ThreadPatternMiner', () => {
  it('mines on its own thread exactly what the inline miner mines, and answers after every observed line', async () => {
    const entries = hdfsEntries();
    const inline = new InlinePatternMiner(() => NOW);
    const thread = new ThreadPatternMiner({ now: () => NOW });
    miners.push(thread);
    // In pushes of 100 lines, as an ingester sees them; the query follows at once.
    for (let i = 0; i < entries.length; i += 100) {
      inline.observe('t', '{app="hdfs"}', labels, entries.slice(i, i + 100));
      thread.observe('t', '{app="hdfs"}', labels, entries.slice(i, i + 100));
    }
    const expected = await inline.query(range);
    const actual = await thread.query(range);
    expect(expected[0]!.patterns.length).toBeGreaterThan(3);
    expect(actual).toEqual(expected);
    const counted = actual[0]!.patterns.reduce((sum, p) => sum + p.samples.reduce((s, [, n]) => s + n, 0), 0);
    expect(counted).toBe(entries.length);
    expect(await thread.query({ ...range, selector: '{app="other"}' })).toEqual([]);
  });

  it('mines pushes posted in their binary form exactly as their lines observed one by one', async () => {
    const entries = hdfsEntries();
    const other = [{ name: 'app', value: 'other' }];
    const given: Uint8Array[] = [];
    const inline = new InlinePatternMiner(() => NOW);
    const thread = new ThreadPatternMiner({ now: () => NOW });
    miners.push(thread);
    for (let i = 0; i < entries.length; i += 100) {
      const streams = [
        { labelString: '{app="hdfs"}', labels, entries: entries.slice(i, i + 100) },
        { labelString: '{app="other"}', labels: other, entries: entries.slice(i, i + 10) },
      ];
      for (const stream of streams) inline.observe('t', stream.labelString, stream.labels, stream.entries);
      // A view into a larger buffer, as a bus message may be: only its own bytes may count.
      const encoded = encodePush({ tenant: 't', streams });
      const framed = Buffer.concat([Buffer.from([1, 2, 3]), encoded, Buffer.from([4])]);
      // Bytes given up are moved to the thread; a view's bytes are copied and stay the caller's.
      const view = framed.subarray(3, 3 + encoded.length);
      if (i % 200 === 0) thread.observePush(encoded, 110, true);
      else thread.observePush(view, 110, false);
      given.push(i % 200 === 0 ? encoded : view);
    }
    for (const selector of ['{app="hdfs"}', '{app="other"}']) {
      const expected = await inline.query({ ...range, selector });
      expect(expected[0]!.patterns.length).toBeGreaterThan(0);
      expect(await thread.query({ ...range, selector })).toEqual(expected);
    }
    expect(given.map((bytes) => bytes.byteLength === 0)).toEqual(given.map((_, k) => k % 2 === 0));
  });

  it('drops lines beyond its backlog instead of holding the push, and counts them', async () => {
    let dropped = 0;
    const thread = new ThreadPatternMiner({ now: () => NOW, maxBacklogLines: 150, onDropped: (n) => (dropped += n) });
    miners.push(thread);
    const entries = hdfsEntries().slice(0, 300);
    thread.observe('t', '{app="hdfs"}', labels, entries.slice(0, 100));
    thread.observe('t', '{app="hdfs"}', labels, entries.slice(100, 200));
    thread.observe('t', '{app="hdfs"}', labels, entries.slice(200, 300));
    expect(dropped).toBe(200);
    const answer = await thread.query(range);
    const counted = answer[0]!.patterns.reduce((sum, p) => sum + p.samples.reduce((s, [, n]) => s + n, 0), 0);
    expect(counted).toBe(100);
    // Once the thread caught up, lines are mined again.
    thread.observe('t', '{app="hdfs"}', labels, entries.slice(0, 100));
    const later = await thread.query(range);
    expect(later[0]!.patterns.reduce((sum, p) => sum + p.samples.reduce((s, [, n]) => s + n, 0), 0)).toBe(200);
  });

  it('starts over with a new thread when its thread dies; pending queries fail, later ones answer', async () => {
    const thread = new ThreadPatternMiner({ now: () => NOW });
    miners.push(thread);
    thread.observe('t', '{app="hdfs"}', labels, hdfsEntries().slice(0, 50));
    await thread.query(range);
    const worker = (thread as unknown as { thread: { terminate(): Promise<number> } }).thread;
    await worker.terminate();
    thread.observe('t', '{app="hdfs"}', labels, hdfsEntries().slice(0, 10));
    const answer = await thread.query(range);
    const counted = answer[0]!.patterns.reduce((sum, p) => sum + p.samples.reduce((s, [, n]) => s + n, 0), 0);
    expect(counted).toBe(10);
  });

  it('answers nothing once closed', async () => {
    const thread = new ThreadPatternMiner({ now: () => NOW });
    thread.observe('t', '{app="hdfs"}', labels, hdfsEntries().slice(0, 10));
    await thread.close();
    expect(await thread.query(range)).toEqual([]);
  });
});
