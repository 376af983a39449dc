// Writes a checkpoint file atomically: records into `checkpoint.<seq>.tmp`, fdatasync, rename to
// `checkpoint.<seq>`, fsync the directory. A crash at any point leaves either the previous
// checkpoint and its segments, or the new checkpoint; never a half-written one under the name.

import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngesterPushRequest } from '../protocol.js';
import { checkpointName, removeIfPresent, syncDirectory } from './files.js';
import { encodeRequestRecord, entryCount } from './record-format.js';

/** Records are gathered into writes of about this size. */
export const DEFAULT_CHECKPOINT_WRITE_BYTES = 4 * 1024 * 1024;

export interface CheckpointFileStats {
  readonly path: string;
  readonly records: number;
  readonly entries: number;
  readonly bytes: number;
}

/**
 * Writes the snapshot's records. Between writes the event loop runs (appends go on), so the
 * snapshot iterable is consumed lazily and must tolerate the ingester changing in between.
 */
export async function writeCheckpointFile(
  walDir: string,
  seq: number,
  snapshot: Iterable<IngesterPushRequest>,
  writeBytes = DEFAULT_CHECKPOINT_WRITE_BYTES,
): Promise<CheckpointFileStats> {
  const path = join(walDir, checkpointName(seq));
  const temporary = `${path}.tmp`;
  await removeIfPresent(temporary);
  const handle = await open(temporary, 'wx');
  let records = 0;
  let entries = 0;
  let bytes = 0;
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const writePending = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const { bytesWritten } = await handle.writev(pending, bytes);
      if (bytesWritten !== pendingBytes) throw new Error(`short write: ${bytesWritten} of ${pendingBytes} bytes`);
      bytes += pendingBytes;
      pending = [];
      pendingBytes = 0;
    };
    for (const request of snapshot) {
      if (request.streams.length === 0) continue;
      const record = encodeRequestRecord(request);
      pending.push(record);
      pendingBytes += record.length;
      records++;
      entries += entryCount(request);
      if (pendingBytes >= writeBytes) await writePending();
    }
    await writePending();
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await removeIfPresent(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
  await syncDirectory(walDir);
  return { path, records, entries, bytes };
}
