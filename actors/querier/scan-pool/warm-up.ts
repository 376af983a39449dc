// A scan worker's first minutes: V8 runs new code in its interpreter and optimizes the hot loops
// only once they have run a while, so a worker's first real query would scan several times
// slower than its second. Before taking tasks, a worker runs the scan's main shapes over a small
// chunk it makes itself (a line filter, a parser and label filter, a count folded over windows,
// a grouped count over a parser), so the first query after a start runs optimized code.

import { labelsFromRecord } from '../../../core/model.js';
import { MemChunk } from '../../../storage/chunk/mod.js';
import { runScanTask, type ScanStream, type ScanTask } from './scan-task.js';

const ENTRIES = 3_000;
const ROUNDS = 2;
const T0 = 1_700_000_000_000_000_000n;
const S = 1_000_000_000n;

function warmStreams(): ScanStream[] {
  return ['info', 'error'].map((level, s) => {
    const chunk = new MemChunk();
    for (let i = 0; i < ENTRIES; i++) {
      const line = i % 2 === 0
        ? `level=${level} status=${200 + (i % 4) * 100} msg="request ${i} served" took=${i % 97}ms`
        : `{"level":"${level}","status":${200 + (i % 4) * 100},"msg":"request ${i} served","took":${i % 97}}`;
      chunk.append({ ts: T0 + BigInt(i) * S, line, ...(i % 3 === 0 ? { metadata: labelsFromRecord({ detected_level: level }) } : {}) });
    }
    return { labels: labelsFromRecord({ job: 'warm-up', stream: String(s) }), chunks: [chunk.encode()] };
  });
}

export function warmUp(): void {
  const streams = warmStreams();
  const start = T0;
  const end = T0 + BigInt(ENTRIES) * S;
  const logs = (selector: string): ScanTask => ({ kind: 'logs', params: { tenant: 'warm-up', selector, start, end, direction: 'backward', limit: 100 }, streams });
  const samples = (expr: string, step: bigint): ScanTask => ({
    kind: 'samples',
    params: { tenant: 'warm-up', expr, start, end, windows: { firstEnd: start + step, step, count: Number((end - start) / step), rangeNs: step }, foldBefore: end },
    streams,
  });
  const tasks = [
    logs('{job="warm-up"} |= "request 59"'),
    logs('{job="warm-up"} | json | status >= 500'),
    logs('{job="warm-up"}'),
    samples('sum by (job) (count_over_time({job="warm-up"}[1m]))', 60n * S),
    samples('sum(bytes_over_time({job="warm-up"}[1m]))', 60n * S),
    samples('sum by (level) (count_over_time({job="warm-up"} | logfmt [1m]))', 60n * S),
    // Unfolded, as when an ingester holds the same range.
    { kind: 'samples', params: { tenant: 'warm-up', expr: 'sum by (job) (count_over_time({job="warm-up"}[1m]))', start, end }, streams },
  ] satisfies ScanTask[];
  for (let round = 0; round < ROUNDS; round++) for (const task of tasks) runScanTask(task);
}
