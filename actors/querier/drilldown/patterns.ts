// Patterns from the ingesters, merged as Loki's querier merges its pattern ingesters' answers.
// Every replica of a stream mines the same lines, so one stream's counts from several ingesters
// are the same counts, not more: per stream and pattern the largest count per step is kept,
// then streams add up per pattern.

import type { Bus } from '../../../bus/bus.js';
import { subjects } from '../../../bus/subjects.js';
import { labelsToString } from '../../../core/model.js';
import type { IngesterQueryFrame, PatternQuery } from '../../ingester/protocol.js';
import type { RingWatcher } from '../../ring/ring-watcher.js';
import type { PatternResult } from '../api.js';

export interface PatternSourceDeps {
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** Merges ingesters' frames: max across replicas of a stream, sum across streams. */
export function mergePatterns(frames: readonly IngesterQueryFrame[]): PatternResult[] {
  const perStream = new Map<string, Map<number, number>>();
  for (const frame of frames) {
    for (const stream of frame.patterns ?? []) {
      const streamKey = labelsToString(stream.labels);
      for (const { pattern, samples } of stream.patterns) {
        const key = streamKey + '\u0000' + pattern;
        let buckets = perStream.get(key);
        if (buckets === undefined) perStream.set(key, (buckets = new Map()));
        for (const [ms, count] of samples) buckets.set(ms, Math.max(buckets.get(ms) ?? 0, count));
      }
    }
  }
  const perPattern = new Map<string, Map<number, number>>();
  for (const [key, buckets] of perStream) {
    const pattern = key.slice(key.indexOf('\u0000') + 1);
    let total = perPattern.get(pattern);
    if (total === undefined) perPattern.set(pattern, (total = new Map()));
    for (const [ms, count] of buckets) total.set(ms, (total.get(ms) ?? 0) + count);
  }
  const results = [...perPattern].map(([pattern, buckets]) => {
    const samples = [...buckets].sort((a, b) => a[0] - b[0]).map(([ms, count]): [number, number] => [Math.floor(ms / 1000), count]);
    return { pattern, samples, total: samples.reduce((sum, [, count]) => sum + count, 0) };
  });
  results.sort((a, b) => b.total - a.total || (a.pattern < b.pattern ? -1 : 1));
  return results.map(({ pattern, samples }) => ({ pattern, samples }));
}

export class IngesterPatterns {
  constructor(private readonly deps: PatternSourceDeps) {}

  async query(params: PatternQuery): Promise<PatternResult[]> {
    const members = this.deps.ring.ring.membersFor('read', (this.deps.now ?? Date.now)());
    const answers = await Promise.allSettled(
      members.map(async (member) => {
        const frames: IngesterQueryFrame[] = [];
        const request = { kind: 'patterns' as const, params };
        for await (const frame of this.deps.bus.requestStream<IngesterQueryFrame>(subjects.ingesterQuery(member.id), request, { timeoutMs: this.deps.timeoutMs })) {
          frames.push(frame);
        }
        return frames;
      }),
    );
    const frames: IngesterQueryFrame[] = [];
    let failures = 0;
    for (const answer of answers) {
      if (answer.status === 'fulfilled') frames.push(...answer.value);
      else failures++;
    }
    // Patterns are a view, not data: answer with what the reachable ingesters know, unless none did.
    if (members.length > 0 && failures === members.length) throw (answers.find((a) => a.status === 'rejected') as PromiseRejectedResult).reason;
    return mergePatterns(frames);
  }
}
