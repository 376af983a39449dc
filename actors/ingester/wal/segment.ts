// One open segment file being appended to. Writes are positional and issued one batch at a time
// by the log writer; fsyncs may overlap a write (the interval policy's timer), which the kernel
// allows, and `dirty` records whether anything written is not yet covered by a completed sync.

import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIfPresent, segmentName, syncDirectory } from './files.js';

/** How a segment file is opened: `fs.promises.open`, or a stand-in that fails on cue in tests. */
export type OpenSegmentFile = (path: string, flags: 'wx') => Promise<FileHandle>;

export class Segment {
  /** Bytes in the file. */
  size = 0;
  /** A write or sync failed: the file's contents past `size` are unknown, stop using it. */
  failed = false;
  private dirty = false;
  private syncing: Promise<void> | undefined;

  private constructor(
    readonly seq: number,
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /**
   * Creates the file (never reusing an existing one) and makes its name durable before any
   * record in it can be acknowledged: a synced file whose directory entry was lost on power
   * failure would take its records with it.
   */
  static async create(walDir: string, seq: number, openFile: OpenSegmentFile = open): Promise<Segment> {
    const path = join(walDir, segmentName(seq));
    const handle = await openFile(path, 'wx');
    try {
      await syncDirectory(walDir);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return new Segment(seq, path, handle);
  }

  get needsSync(): boolean {
    return this.dirty;
  }

  async write(buffers: readonly Buffer[], bytes: number): Promise<void> {
    try {
      const { bytesWritten } = await this.handle.writev(buffers as Buffer[], this.size);
      if (bytesWritten !== bytes) throw new Error(`short write: ${bytesWritten} of ${bytes} bytes`);
    } catch (error) {
      this.failed = true;
      throw error;
    }
    this.size += bytes;
    this.dirty = true;
  }

  /** Resolves once everything written before the call is on stable storage. */
  async sync(): Promise<void> {
    while (this.dirty || this.syncing !== undefined) {
      if (this.syncing !== undefined) {
        await this.syncing;
        continue;
      }
      this.dirty = false;
      // fdatasync: the data and the file size, without the timestamps fsync would also write.
      this.syncing = this.handle.datasync().then(
        () => {
          this.syncing = undefined;
        },
        (error: unknown) => {
          this.syncing = undefined;
          this.failed = true;
          throw error;
        },
      );
      await this.syncing;
    }
  }

  async close(): Promise<void> {
    await this.syncing?.catch(() => undefined);
    await this.handle.close();
  }

  /**
   * Closes a segment whose write or sync failed. One that never took a record is deleted: on a
   * full disk every refused append would otherwise leave an empty file behind (and a name to
   * list at every start). One that holds records is cut back to the last complete write, so
   * replay does not read the failed write's partial bytes as a torn record; if even that fails
   * (the disk is gone), replay's repair of a torn tail still applies.
   */
  async closeAfterFailure(walDir: string): Promise<'removed' | 'kept'> {
    await this.syncing?.catch(() => undefined);
    if (this.size > 0) {
      await this.handle.truncate(this.size).catch(() => undefined);
      await this.handle.close();
      return 'kept';
    }
    await this.handle.close().catch(() => undefined);
    await removeIfPresent(this.path);
    await syncDirectory(walDir).catch(() => undefined);
    return 'removed';
  }
}
