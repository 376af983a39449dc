// The WAL directory: segment and checkpoint names, listing, and directory fsync.
//
//   <dataDir>/wal/00000007             segment 7
//   <dataDir>/wal/checkpoint.00000007  state before segment 7; replay it, then segments >= 7
//   <dataDir>/wal/checkpoint.00000007.tmp   a checkpoint being written (never replayed)

import { open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const SEQ_DIGITS = 8;
const SEGMENT_NAME = /^\d{8,}$/;
const CHECKPOINT_NAME = /^checkpoint\.(\d{8,})$/;
const TEMP_NAME = /\.tmp$/;

export function segmentName(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

export function checkpointName(seq: number): string {
  return `checkpoint.${segmentName(seq)}`;
}

export interface WalFile {
  readonly seq: number;
  readonly path: string;
}

export interface WalListing {
  /** Ascending by sequence number. */
  readonly segments: WalFile[];
  /** Ascending by sequence number. */
  readonly checkpoints: WalFile[];
  /** Leftovers of checkpoints interrupted by a crash. */
  readonly temporary: string[];
}

export async function listWal(walDir: string): Promise<WalListing> {
  const segments: WalFile[] = [];
  const checkpoints: WalFile[] = [];
  const temporary: string[] = [];
  for (const name of await readdir(walDir)) {
    if (SEGMENT_NAME.test(name)) {
      segments.push({ seq: Number(name), path: join(walDir, name) });
      continue;
    }
    const checkpoint = CHECKPOINT_NAME.exec(name);
    if (checkpoint !== null) checkpoints.push({ seq: Number(checkpoint[1]), path: join(walDir, name) });
    else if (TEMP_NAME.test(name)) temporary.push(join(walDir, name));
  }
  const bySeq = (a: WalFile, b: WalFile): number => a.seq - b.seq;
  return { segments: segments.sort(bySeq), checkpoints: checkpoints.sort(bySeq), temporary };
}

/** The sequence number the next segment written must take: after every file already there. */
export function nextSequence(listing: WalListing): number {
  let next = 1;
  for (const segment of listing.segments) next = Math.max(next, segment.seq + 1);
  // A checkpoint at seq N may exist before segment N does (nothing appended after it yet).
  for (const checkpoint of listing.checkpoints) next = Math.max(next, checkpoint.seq);
  return next;
}

/** Makes created, renamed or deleted names in `dir` durable (a file's fsync does not). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
