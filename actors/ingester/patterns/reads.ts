// Answers a `patterns` read from the ingester's miners, in frames under the bus's payload limit.

import type { IngesterQueryFrame, PatternQuery } from '../protocol.js';
import type { StreamPatterns } from './store.js';
import type { PatternMiner } from './miner.js';

function sizeOf(stream: StreamPatterns): number {
  let size = 64;
  for (const { name, value } of stream.labels) size += name.length + value.length + 8;
  for (const pattern of stream.patterns) size += pattern.pattern.length * 3 + 24 * pattern.samples.length + 16;
  return size;
}

export async function* answerPatterns(miner: PatternMiner, params: PatternQuery, maxPayloadBytes: number): AsyncGenerator<IngesterQueryFrame> {
  const budget = Math.floor(maxPayloadBytes * 0.5);
  let frame: StreamPatterns[] = [];
  let size = 0;
  const streams = await miner.query({ tenant: params.tenant, selector: params.query, startMs: params.startMs, endMs: params.endMs, stepMs: params.stepMs });
  for (const stream of streams) {
    const bytes = sizeOf(stream);
    if (frame.length > 0 && size + bytes > budget) {
      yield { patterns: frame };
      frame = [];
      size = 0;
    }
    frame.push(stream);
    size += bytes;
  }
  if (frame.length > 0) yield { patterns: frame };
}
