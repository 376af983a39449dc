// The chaos suite's short run for CI: about 90 s of canary writes (and a reader's queries)
// against a three-ingester cluster of separate processes while ingesters are killed (one, and
// all at once) and leave with a handoff, the gateway is killed and restarted, one ingester's
// disk fills up and one is cut off from nats-server while it keeps running; then the queue
// checker over everything read back. `npm run chaos` is the long run with every fault kind
// (README.md beside this file). Without root the disk-full fault is left out, with its reason.

import { describe, expect, it } from 'vitest';
import { formatReport } from './report.js';
import { runChaos, type ChaosResult } from './scenario.js';

// Every restart adds an exit listener (children die with the test process).
process.setMaxListeners(0);

describe('the chaos suite, short run', () => {
  let result: ChaosResult;

  it('loses no acknowledged line through kill -9, handoff, kill -9 of every ingester, a gateway restart, a full disk and a bus partition', async () => {
    const faults = ['kill', 'handoff', 'kill-all', 'gateway-restart', 'disk-full', 'nats-partition'] as const;
    result = await runChaos({ durationMs: 90_000, faultEveryMs: 10_000, faults, seed: 42 });
    // The whole table, so a failing CI run explains itself.
    console.log(formatReport(result));

    const leftOut = result.leftOut.map((left) => left.kind);
    for (const left of result.leftOut) console.log(`left out ${left.kind}: ${left.reason}`);
    expect(leftOut.every((kind) => kind === 'disk-full')).toBe(true);
    const kinds = new Set(result.windows.map((window) => window.kind));
    expect([...kinds].sort()).toEqual(faults.filter((kind) => !leftOut.includes(kind)).sort());
    expect(result.reads.map((read) => read.name)).toEqual(['after flush', 'storage only']);
    for (const read of result.reads) {
      expect(read.error, read.name).toBeUndefined();
      expect(read.check.lost, `${read.name}: lost seq ${read.check.lostSeqs.join(', ')}`).toBe(0);
      expect(read.check.unexpected, `${read.name}: ${read.check.unexpectedSamples.join('; ')}`).toBe(0);
      expect(read.check.duplicates, `${read.name}: ${read.check.duplicateSamples.join('; ')}`).toBe(0);
      expect(read.check.readable).toBeGreaterThanOrEqual(read.check.acknowledged);
    }
    expect(result.incidents).toEqual([]);
    expect(result.windows.filter((window) => window.error !== undefined)).toEqual([]);
    expect(result.passed).toBe(true);
    // Reads went on through the faults: most queries were answered.
    expect(result.queries.filter((query) => query.outcome === 'ok').length).toBeGreaterThan(0);
  }, 240_000);

  it('faulted one ingester at a time in at least two windows, and reports availability', () => {
    expect(result).toBeDefined();
    const oneDown = result.windows.filter((window) => window.blast === 'one-ingester');
    expect(oneDown.length).toBeGreaterThanOrEqual(2);
    // Availability depends on how loaded the machine is, so CI reports it and asserts only on
    // what must hold on any machine: nothing lost, nothing unexpected, nothing duplicated.
    const ratio = result.oneIngesterDown.ratio;
    console.log(`write availability with one ingester down: ${ratio === undefined ? 'n/a' : `${(ratio * 100).toFixed(1)}%`}`);
  });
});
