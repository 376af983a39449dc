import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../../bus/codec.js';
import { emptyStats, type QueryResponse } from '../../../logql/types.js';
import { AnswerAssembler, answerFrames } from './answer-frames.js';

const MAX = 64 * 1024;
const labels = (app: string) => [{ name: 'app', value: app }, { name: 'env', value: 'prod' }];

/** Frames through the real codec and back, each checked against the limit. */
function roundTrip(response: QueryResponse, maxPayloadBytes = MAX): { result: QueryResponse; frames: number } {
  const assembler = new AnswerAssembler();
  let frames = 0;
  for (const frame of answerFrames(response, maxPayloadBytes)) {
    const bytes = encode(frame, maxPayloadBytes);
    assembler.add(decode(bytes));
    frames += 1;
  }
  return { result: assembler.result!, frames };
}

describe('answer frames', () => {
  it('carries 5,000 long log lines over many frames, each under max_payload, unchanged', () => {
    const entries = Array.from({ length: 5_000 }, (_, i) => ({ ts: 1_700_000_000_000_000_000n + BigInt(i), line: `line ${i} ${'x'.repeat(200)}`, metadata: [{ name: 'trace_id', value: `t${i}` }] }));
    const response: QueryResponse = {
      data: { resultType: 'streams', result: [{ labels: labels('a'), entries: entries.slice(0, 4_000) }, { labels: labels('b'), entries: entries.slice(4_000) }] },
      stats: { ...emptyStats(), totalLinesProcessed: 5_000 },
    };
    const { result, frames } = roundTrip(response);
    expect(frames).toBeGreaterThan(10);
    expect(result).toEqual(response);
  });

  it('cuts a long series between points and joins it back, other series intact', () => {
    const points = Array.from({ length: 20_000 }, (_, i) => ({ t: 1_700_000_000_000 + i * 60_000, v: i / 3 }));
    const response: QueryResponse = {
      data: { resultType: 'matrix', result: [{ metric: labels('a'), points }, { metric: labels('b'), points: points.slice(0, 3) }, { metric: labels('c'), points: [] }] },
      stats: emptyStats(),
    };
    const { result, frames } = roundTrip(response);
    expect(frames).toBeGreaterThan(5);
    expect(result).toEqual(response);
  });

  it('keeps two adjacent results with equal labels apart', () => {
    const response: QueryResponse = {
      data: { resultType: 'streams', result: [{ labels: labels('a'), entries: [{ ts: 1n, line: 'x' }] }, { labels: labels('a'), entries: [{ ts: 2n, line: 'y' }] }] },
      stats: emptyStats(),
    };
    expect(roundTrip(response).result).toEqual(response);
  });

  it('carries vectors, scalars and empty results', () => {
    const vector: QueryResponse = { data: { resultType: 'vector', result: Array.from({ length: 3_000 }, (_, i) => ({ metric: labels(`s${i}`), t: 1_000, v: i })) }, stats: emptyStats() };
    expect(roundTrip(vector, 16 * 1024).result).toEqual(vector);
    const scalar: QueryResponse = { data: { resultType: 'scalar', result: { t: 5, v: 2.5 } }, stats: emptyStats() };
    expect(roundTrip(scalar).result).toEqual(scalar);
    const empty: QueryResponse = { data: { resultType: 'streams', result: [] }, stats: emptyStats() };
    expect(roundTrip(empty)).toEqual({ result: empty, frames: 1 });
  });
});
