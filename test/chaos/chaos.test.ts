// The chaos suite's short run for CI: about 70 s of canary writes against a three-ingester
// cluster of separate processes while ingesters are killed (one, and all at once) and leave
// with a handoff, then the queue checker over everything read back. `npm run chaos` is the
// long run with every fault kind (README.md beside this file).

import { describe, expect, it } from 'vitest';
import { formatReport } from './report.js';
import { runChaos, type ChaosResult } from './scenario.js';

// Every restart adds an exit listener (children die with the test process).
process.setMaxListeners(0);

describe('the chaos suite, short run', () => {
  let result: ChaosResult;

  it('loses no acknowledged line through kill -9, handoff and kill -9 of every ingester', async () => {
    result = await runChaos({
      durationMs: 70_000,
      faultEveryMs: 10_000,
      faults: ['kill', 'handoff', 'kill-all'],
      seed: 42,
    });
    // The whole table, so a failing CI run explains itself.
    console.log(formatReport(result));

    const kinds = new Set(result.windows.map((window) => window.kind));
    expect([...kinds].sort()).toEqual(['handoff', 'kill', 'kill-all']);
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
  }, 170_000);

  it('kept acknowledging writes while two of three ingesters were up', () => {
    expect(result).toBeDefined();
    const oneDown = result.windows.filter((window) => window.blast === 'one-ingester');
    expect(oneDown.length).toBeGreaterThanOrEqual(2);
    for (const window of oneDown) {
      const pushes = result.history.filter((push) => push.startMs >= window.startMs && push.startMs < window.settledMs);
      expect(pushes.filter((push) => push.outcome === 'ok').length, `fault ${window.index} (${window.kind})`).toBeGreaterThan(0);
    }
    // A quorum is two of three: losing one ingester must not cost writes beyond a stray one
    // (the margin is for a loaded machine, where a push may time out on its own).
    expect(result.oneIngesterDown.ratio).toBeGreaterThanOrEqual(0.9);
  });
});
