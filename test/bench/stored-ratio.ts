// The compression ratio as an operator sees it: raw log bytes / bytes in object storage, the
// index objects included. Every loghub file is one stream; its lines go through MemChunk at the
// default sizes (cut when full, as an ingester cuts them) and ChunkStore.putChunk, the flush
// path's call, over a filesystem store in a temp dir. Stored bytes are then counted from the
// store's listing: chunk objects and index objects (day markers, labels objects, chunk refs)
// apart. Same-run reference: gzip -6 of each file's lines alone, no framing, no index.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { labelsFromRecord } from '../../core/model.js';
import { ChunkStore, FsStore } from '../../storage/mod.js';
import { MemChunk, type Encoding } from '../../storage/chunk/mod.js';
import type { LoghubJob } from './loghub.js';

export interface StoredRatio {
  readonly encoding: Encoding;
  readonly rawBytes: number;
  readonly chunkBytes: number;
  readonly chunkObjects: number;
  readonly indexBytes: number;
  readonly indexObjects: number;
  /** Bytes of the index objects' keys: an empty ref object still costs its key in a listing. */
  readonly indexKeyBytes: number;
}

const TENANT = 'fake';

export async function measureStoredRatio(jobs: readonly LoghubJob[], encoding: Encoding): Promise<StoredRatio> {
  const dir = mkdtempSync(join(tmpdir(), 'norn-bench-ratio-'));
  try {
    const store = new FsStore(dir, { fsync: false });
    const chunks = new ChunkStore(store, { cacheBytes: 0 });
    // Timestamps a millisecond apart plus a sub-millisecond part, as a nanosecond clock stamps
    // them, within one day (one day's index objects), ending an hour ago.
    let ts = BigInt(Date.now() - 3_600_000 - jobs.reduce((sum, job) => sum + job.lines.length, 0)) * 1_000_000n;
    let seed = 12345;
    const jitter = (): bigint => BigInt((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1_000_000);
    let rawBytes = 0;
    for (const job of jobs) {
      const labels = labelsFromRecord({ job: job.job, source: 'loghub' });
      let chunk = new MemChunk({ encoding });
      for (const line of job.lines) {
        const entry = { ts: (ts += 1_000_000n + jitter()), line };
        if (!chunk.hasSpaceFor(entry)) {
          await chunks.putChunk(TENANT, labels, chunk.encode());
          chunk = new MemChunk({ encoding });
        }
        chunk.append(entry);
        // Raw as the log files hold it: each line and its newline.
        rawBytes += Buffer.byteLength(line) + 1;
      }
      await chunks.putChunk(TENANT, labels, chunk.encode());
    }
    let chunkBytes = 0;
    let chunkObjects = 0;
    let indexBytes = 0;
    let indexObjects = 0;
    let indexKeyBytes = 0;
    for (const object of await store.list(`${TENANT}/`)) {
      if (object.key.startsWith(`${TENANT}/index/`)) {
        indexBytes += object.size;
        indexObjects++;
        indexKeyBytes += Buffer.byteLength(object.key);
      } else {
        chunkBytes += object.size;
        chunkObjects++;
      }
    }
    return { encoding, rawBytes, chunkBytes, chunkObjects, indexBytes, indexObjects, indexKeyBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** gzip -6 of each file's lines (newline-joined) on its own: the ratio without any framing. */
export function plainGzipRatio(jobs: readonly LoghubJob[]): number {
  let raw = 0;
  let compressed = 0;
  for (const job of jobs) {
    const text = Buffer.from(job.lines.map((line) => `${line}\n`).join(''));
    raw += text.length;
    compressed += gzipSync(text, { level: 6 }).length;
  }
  return raw / compressed;
}
