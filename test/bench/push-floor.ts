// The same-run floor of the push path: what one thread does with the very request bodies the
// node is sent, minus everything that is Norn's own overhead: snappy decode, protobuf decode, and
// the chunk encoding (storage/chunk's MemChunk, gzip at the chunk codec's level, in the chunk
// format the node writes, cutting blocks and chunks at the default sizes). No WAL, no HTTP, no index.

import { decodePushRequest, snappyUncompress } from '../../gateway/mod.js';
import { CURRENT_CHUNK_FORMAT, MemChunk, type Encoding } from '../../storage/chunk/mod.js';

const MAX_BODY = 64 * 1024 * 1024;

/** One pass over `bodies`; returns the lines handled and the chunks' encoded bytes. */
function floorPass(bodies: readonly Uint8Array[], encoding: Encoding): { lines: number; encodedBytes: number } {
  const chunks = new Map<string, MemChunk>();
  let lines = 0;
  let encodedBytes = 0;
  for (const body of bodies) {
    for (const stream of decodePushRequest(snappyUncompress(body, MAX_BODY))) {
      const key = JSON.stringify(stream.labels);
      let chunk = chunks.get(key);
      if (chunk === undefined) chunks.set(key, (chunk = new MemChunk({ encoding, format: CURRENT_CHUNK_FORMAT })));
      for (const entry of stream.entries) {
        if (!chunk.hasSpaceFor(entry)) {
          encodedBytes += chunk.encode().length;
          chunks.set(key, (chunk = new MemChunk({ encoding, format: CURRENT_CHUNK_FORMAT })));
        }
        chunk.append(entry);
        lines++;
      }
    }
  }
  for (const chunk of chunks.values()) encodedBytes += chunk.encode().length;
  return { lines, encodedBytes };
}

/**
 * Lines/s of the floor: the best of up to `passes` passes (after a short warm-up), since a loaded
 * machine only ever makes a pass slower; no pass starts after `maxSeconds`.
 */
export function measureFloor(bodies: readonly Uint8Array[], passes = 3, encoding: Encoding = 'gzip', maxSeconds = 20): number {
  floorPass(bodies.slice(0, Math.min(bodies.length, 50)), encoding);
  const began = process.hrtime.bigint();
  let best = 0;
  for (let pass = 0; pass < passes && (pass === 0 || Number(process.hrtime.bigint() - began) / 1e9 < maxSeconds); pass++) {
    const t0 = process.hrtime.bigint();
    const { lines } = floorPass(bodies, encoding);
    best = Math.max(best, lines / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return best;
}
