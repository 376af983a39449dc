// Appends framed records to the current segment with group commit, and rolls segments.
//
// One loop drains a FIFO queue. Consecutive records at its head are written together with one
// writev(2) and, under 'always' / 'batch', made durable with one fdatasync before every one of
// them resolves. While that fsync runs, new appends queue up and share the next one: the number
// of fsyncs per second stays bounded by the disk while throughput grows with concurrency.
// Barriers (segment rolls for checkpoints, reset, close) sit in the same queue, so an append
// made before a barrier is in the segments before it, and one made after is in those after.

import type { Logger } from 'pino';
import type { WalSyncPolicy } from '../config.js';
import { errorMessage } from '../../../core/errors.js';
import { WalError } from './errors.js';
import { Segment, type OpenSegmentFile } from './segment.js';

/** Upper bound on one writev: a burst larger than this is written (and synced) in parts. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

interface RecordItem {
  readonly kind: 'record';
  readonly bytes: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface BarrierItem {
  readonly kind: 'barrier';
  readonly run: () => Promise<void>;
}

export interface LogWriterOptions {
  readonly walDir: string;
  readonly sync: WalSyncPolicy;
  readonly syncIntervalMs: number;
  readonly segmentBytes: number;
  /** Sequence number of the first segment this writer creates. */
  readonly firstSeq: number;
  readonly logger: Logger;
  readonly onWritten: (bytes: number) => void;
  /** Opens segment files (default `fs.promises.open`); tests pass one that fails like a full disk. */
  readonly openFile?: OpenSegmentFile;
}

export interface WriterStats {
  readonly records: number;
  /** writev calls: each carries every record that queued while the previous one was in flight. */
  readonly batches: number;
  /** fdatasync calls on segments, whatever triggered them. */
  readonly syncs: number;
  readonly segmentsCreated: number;
}

export class LogWriter {
  private counters = { records: 0, batches: 0, syncs: 0, segmentsCreated: 0 };
  private readonly queue: Array<RecordItem | BarrierItem> = [];
  private draining = false;
  private segment: Segment | undefined;
  private nextSeq: number;
  private readonly syncTimer: NodeJS.Timeout | undefined;
  private readonly syncEachBatch: boolean;

  constructor(private readonly options: LogWriterOptions) {
    this.nextSeq = options.firstSeq;
    this.syncEachBatch = options.sync === 'always' || options.sync === 'batch';
    if (options.sync === 'interval') {
      this.syncTimer = setInterval(() => this.syncInBackground(), Math.max(1, options.syncIntervalMs));
      this.syncTimer.unref();
    }
  }

  get stats(): WriterStats {
    return { ...this.counters };
  }

  /** Sequence number the next new segment will take. */
  get upcomingSeq(): number {
    return this.nextSeq;
  }

  /** Resolves once the record is written and, per the sync policy, durable. */
  append(record: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'record', bytes: record, resolve, reject });
      this.kick();
    });
  }

  /** Runs `fn` after every earlier append settled and before any later one is written. */
  barrier<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        kind: 'barrier',
        run: async () => {
          try {
            resolve(await fn());
          } catch (error) {
            reject(error);
          }
        },
      });
      this.kick();
    });
  }

  /**
   * Closes the current segment (synced unless the policy is 'never') so later appends start a
   * new one; returns that new segment's sequence number. Call inside a barrier.
   */
  async rollUnlocked(): Promise<number> {
    await this.closeSegment(this.options.sync !== 'never');
    return this.nextSeq;
  }

  /** Closes the current segment with a final fsync whatever the policy. Call inside a barrier. */
  async closeUnlocked(): Promise<void> {
    if (this.syncTimer !== undefined) clearInterval(this.syncTimer);
    await this.closeSegment(true);
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.kind === 'barrier') {
        this.queue.shift();
        await head.run();
        continue;
      }
      const batch = this.takeBatch();
      const buffers = batch.map((item) => item.bytes);
      let bytes = 0;
      for (const buffer of buffers) bytes += buffer.length;
      try {
        await this.writeBatch(buffers, bytes);
      } catch (cause) {
        const error = new WalError('WAL_WRITE', `WAL write failed: ${errorMessage(cause)}`, { cause });
        this.options.logger.error({ err: cause, records: batch.length }, 'WAL write failed; the appends are refused and a new segment is started');
        // The failed segment is closed (and removed when it holds nothing) before the appends
        // are refused, so a refused push leaves no file behind it.
        await this.closeSegment(false).catch(() => undefined);
        for (const item of batch) item.reject(error);
        continue;
      }
      for (const item of batch) item.resolve();
    }
    this.draining = false;
  }

  private takeBatch(): RecordItem[] {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length) {
      const item = this.queue[count]!;
      if (item.kind !== 'record') break;
      if (count > 0 && bytes + item.bytes.length > MAX_BATCH_BYTES) break;
      bytes += item.bytes.length;
      count++;
    }
    return this.queue.splice(0, count) as RecordItem[];
  }

  private async writeBatch(buffers: readonly Buffer[], bytes: number): Promise<void> {
    let segment = this.segment;
    if (segment !== undefined && (segment.failed || (segment.size > 0 && segment.size + bytes > this.options.segmentBytes))) {
      await this.closeSegment(!segment.failed && this.options.sync !== 'never');
      segment = undefined;
    }
    if (segment === undefined) segment = await this.openSegment();
    await segment.write(buffers, bytes);
    this.counters.batches++;
    this.counters.records += buffers.length;
    this.options.onWritten(bytes);
    if (this.syncEachBatch) await this.sync(segment);
  }

  private async openSegment(): Promise<Segment> {
    for (let attempt = 0; ; attempt++) {
      const seq = this.nextSeq++;
      try {
        this.segment = await Segment.create(this.options.walDir, seq, this.options.openFile);
        this.counters.segmentsCreated++;
        return this.segment;
      } catch (error) {
        // A file left at this number (a crash between listing and creating) is never reused.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
      }
    }
  }

  private async closeSegment(sync: boolean): Promise<void> {
    const segment = this.segment;
    if (segment === undefined) return;
    this.segment = undefined;
    if (segment.failed) {
      await segment.closeAfterFailure(this.options.walDir);
      return;
    }
    try {
      if (sync) await this.sync(segment);
    } finally {
      if (segment.failed) await segment.closeAfterFailure(this.options.walDir);
      else await segment.close();
    }
  }

  private async sync(segment: Segment): Promise<void> {
    // segment.sync() also waits for a background sync already in flight.
    if (segment.needsSync) this.counters.syncs++;
    await segment.sync();
  }

  private syncInBackground(): void {
    const segment = this.segment;
    if (segment === undefined || !segment.needsSync || segment.failed) return;
    this.sync(segment).catch((error: unknown) => {
      // The appends since the last sync were acknowledged after write(2): they survive a process
      // crash but not a power loss now. The next write starts a new segment.
      this.options.logger.error({ err: error, segment: segment.seq }, 'WAL interval fsync failed');
    });
  }
}
