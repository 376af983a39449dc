// The chunk layout an ingester writes follows `ingester.chunk_format`: norn-v2 by default,
// norn-v1 for a cluster whose older processes cannot read norn-v2 yet.

import { describe, expect, it } from 'vitest';
import { DecodedChunk } from '../../storage/chunk/mod.js';
import { DEFAULT_INGESTER, type ChunkFormatName } from './config.js';
import { IngesterStream } from './stream.js';

const T = 1_700_000_000_000_000_000n;

function flushedFormat(chunkFormat?: ChunkFormatName): string {
  const config = chunkFormat === undefined ? DEFAULT_INGESTER : { ...DEFAULT_INGESTER, chunkFormat };
  const stream = new IngesterStream('t', [{ name: 'app', value: 'a' }], '{app="a"}', 'fp', config);
  expect(stream.append([{ ts: T, line: 'one' }, { ts: T + 1n, line: 'two' }], 0).appended).toBe(2);
  const [slot] = stream.allChunks();
  const decoded = DecodedChunk.decode(slot!.chunk.encode());
  expect([...decoded.iterate({ from: T, through: T + 2n, direction: 'forward' })].map((entry) => entry.line)).toEqual(['one', 'two']);
  return decoded.format;
}

describe('the chunk format an ingester writes', () => {
  it('is norn-v2 by default and norn-v1 when configured', () => {
    expect(flushedFormat()).toBe('norn-v2');
    expect(flushedFormat('norn-v2')).toBe('norn-v2');
    expect(flushedFormat('norn-v1')).toBe('norn-v1');
  });
});
