// The ingester's write-ahead log: every accepted push is appended here before it is
// acknowledged, replayed into memory after a crash, and compacted by periodic checkpoints of the
// unflushed in-memory state. Formats, sync policies and guarantees: README.md.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { WalConfig } from '../config.js';
import type { PushLog } from '../ingester.js';
import type { IngesterMetrics } from '../metrics.js';
import type { IngesterPushRequest } from '../protocol.js';
import { writeCheckpointFile } from './checkpoint.js';
import { errorMessage } from '../../../core/errors.js';
import { WalError } from './errors.js';
import { listWal, nextSequence, removeIfPresent, syncDirectory } from './files.js';
import { LogWriter, type WriterStats } from './log-writer.js';
import type { OpenSegmentFile } from './segment.js';
import { encodedPushRecord, encodeRequestRecord } from './record-format.js';
import { replayFiles, type ReplayResult } from './replay.js';

export type WalMetrics = Pick<IngesterMetrics, 'walBytes' | 'walReplaySeconds' | 'walCorruptions'>;

export interface WalOptions {
  /** The ingester's data directory; the WAL lives in `<dataDir>/wal/`. */
  readonly dataDir: string;
  /** `enabled` is the caller's business: a Wal exists only when the WAL is on. */
  readonly config: Pick<WalConfig, 'sync' | 'syncIntervalMs' | 'segmentBytes'>;
  readonly metrics: WalMetrics;
  readonly logger: Logger;
  /**
   * Checkpoint records are gathered into writes of about this size (default 4 MiB); the event
   * loop, and so the appends, run between two writes.
   */
  readonly checkpointWriteBytes?: number;
  /** Opens segment files (default `fs.promises.open`); tests pass one that fails like a full disk. */
  readonly openFile?: OpenSegmentFile;
}

export interface CheckpointResult {
  /** Replay starts from this checkpoint and reads segments numbered `seq` and up. */
  readonly seq: number;
  readonly records: number;
  readonly entries: number;
  readonly bytes: number;
  /** Older segments and checkpoints deleted. */
  readonly removedFiles: number;
  readonly durationMs: number;
}

export class Wal implements PushLog {
  readonly walDir: string;
  private readonly writer: LogWriter;
  /** Segments numbered below this were written by an earlier process: replay reads those. */
  private readonly firstOwnSeq: number;
  private maintenance: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: WalOptions,
    walDir: string,
    firstSeq: number,
  ) {
    this.walDir = walDir;
    this.firstOwnSeq = firstSeq;
    const { config, logger, metrics } = options;
    this.writer = new LogWriter({
      walDir,
      sync: config.sync,
      syncIntervalMs: config.syncIntervalMs,
      segmentBytes: config.segmentBytes,
      firstSeq,
      logger,
      onWritten: (bytes) => metrics.walBytes.inc(bytes),
      ...(options.openFile !== undefined ? { openFile: options.openFile } : {}),
    });
  }

  /** Creates `<dataDir>/wal/` if needed; new segments are numbered after any already there. */
  static async open(options: WalOptions): Promise<Wal> {
    const walDir = join(options.dataDir, 'wal');
    try {
      await mkdir(walDir, { recursive: true });
      const listing = await listWal(walDir);
      for (const leftover of listing.temporary) await removeIfPresent(leftover);
      return new Wal(options, walDir, nextSequence(listing));
    } catch (cause) {
      throw new WalError('WAL_IO', `cannot open the WAL in ${walDir}: ${errorMessage(cause)}`, { cause });
    }
  }

  /** Counters since open: records, writev batches, fsyncs, segments created. */
  get stats(): WriterStats {
    return this.writer.stats;
  }

  /**
   * Resolves once the record is durable per the sync policy; rejects with a WalError. `encoded`,
   * the request's binary form when it came as one, is logged as it is instead of re-encoded.
   */
  append(request: IngesterPushRequest, encoded?: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new WalError('WAL_CLOSED', 'the WAL is closed'));
    let record: Buffer;
    try {
      record = encoded !== undefined ? encodedPushRecord(encoded) : encodeRequestRecord(request);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.writer.append(record);
  }

  /** `append` for a record already framed (`encodeRequestRecord`), so its caller may keep its bytes. */
  appendRecord(record: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new WalError('WAL_CLOSED', 'the WAL is closed'));
    return this.writer.append(record);
  }

  /**
   * Applies every record left by earlier processes: the newest checkpoint, then the segments
   * after it. Damage is repaired or skipped with a warning, never thrown. Call before appending.
   */
  async replay(apply: (request: IngesterPushRequest) => void): Promise<ReplayResult> {
    const { logger, metrics } = this.options;
    let listing;
    try {
      listing = await listWal(this.walDir);
    } catch (cause) {
      throw new WalError('WAL_IO', `cannot list the WAL in ${this.walDir}: ${errorMessage(cause)}`, { cause });
    }
    const result = await replayFiles(
      { listing, beforeSeq: this.firstOwnSeq, logger, onCorruption: () => metrics.walCorruptions.inc() },
      apply,
    );
    metrics.walReplaySeconds.set(result.durationMs / 1000);
    logger.info(
      { records: result.records, entries: result.entries, segments: result.segments, checkpoint: result.checkpointSeq, corrupt: result.corrupt, durationMs: Math.round(result.durationMs) },
      'WAL replayed',
    );
    return result;
  }

  /**
   * Writes the caller's unflushed in-memory state as a checkpoint, then deletes the segments and
   * checkpoints it replaces. Every append that resolved before this call, and every append the
   * caller applies synchronously when its promise resolves, is in the state `snapshot` reads.
   * Appends continue meanwhile, into a new segment that the checkpoint does not replace.
   */
  checkpoint(snapshot: () => Iterable<IngesterPushRequest>): Promise<CheckpointResult> {
    if (this.closed) return Promise.reject(new WalError('WAL_CLOSED', 'the WAL is closed'));
    return this.exclusive(async () => {
      const started = performance.now();
      const seq = await this.writer.barrier(() => this.writer.rollUnlocked());
      // Appends resolved by the roll have their continuations (the ingester's memory append)
      // queued as microtasks; a macrotask turn runs them all before the snapshot is read.
      await new Promise<void>((resolve) => setImmediate(resolve));
      let stats;
      try {
        stats = await writeCheckpointFile(this.walDir, seq, snapshot(), this.options.checkpointWriteBytes);
      } catch (cause) {
        throw new WalError('WAL_CHECKPOINT', `WAL checkpoint ${seq} failed: ${errorMessage(cause)}`, { cause });
      }
      const removedFiles = await this.removeFilesBefore(seq);
      const result: CheckpointResult = {
        seq,
        records: stats.records,
        entries: stats.entries,
        bytes: stats.bytes,
        removedFiles,
        durationMs: performance.now() - started,
      };
      this.options.logger.info({ ...result, durationMs: Math.round(result.durationMs) }, 'WAL checkpoint written');
      return result;
    });
  }

  /**
   * Deletes every segment and checkpoint, once everything they hold is flushed or handed off
   * (graceful leave): a later start then has nothing stale to replay. Appends made after this
   * call go to a fresh segment.
   */
  reset(): Promise<void> {
    return this.exclusive(() =>
      this.writer.barrier(async () => {
        await this.writer.rollUnlocked();
        const removed = await this.removeFilesBefore(Number.POSITIVE_INFINITY);
        this.options.logger.info({ removedFiles: removed }, 'WAL reset');
      }),
    );
  }

  /** Writes and fsyncs everything queued, whatever the policy, and closes the files. */
  close(): Promise<void> {
    if (this.closed) return this.maintenance.then(() => undefined);
    this.closed = true;
    return this.exclusive(() => this.writer.barrier(() => this.writer.closeUnlocked()));
  }

  /** Checkpoints, resets and close run one at a time, in call order. */
  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(operation, operation);
    this.maintenance = run.catch(() => undefined);
    return run;
  }

  private async removeFilesBefore(seq: number): Promise<number> {
    let removed = 0;
    try {
      const listing = await listWal(this.walDir);
      for (const file of [...listing.segments, ...listing.checkpoints]) {
        if (file.seq >= seq) continue;
        await removeIfPresent(file.path);
        removed++;
      }
      for (const leftover of listing.temporary) await removeIfPresent(leftover);
      // Not needed for correctness (replay ignores what a newer checkpoint replaces), but it
      // keeps a reset from resurrecting files after a power loss.
      if (removed > 0) await syncDirectory(this.walDir);
    } catch (cause) {
      throw new WalError('WAL_IO', `cannot remove old WAL files: ${errorMessage(cause)}`, { cause });
    }
    return removed;
  }
}
