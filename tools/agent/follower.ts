// Follows one file by polling: new bytes are split into lines, a partial last line waits for
// its newline. Rotation is noticed two ways: the path now names another file (rename and
// create: the old file is read to its end first, then the follower reports `rotated`), or the
// file got shorter than what was read (copytruncate: reading starts again at 0).

import { open, stat, type FileHandle } from 'node:fs/promises';

export interface ReadLine {
  readonly line: string;
  /** Offset just past the line's newline: where reading resumes once it is acknowledged. */
  readonly endOffset: number;
}

export interface PollResult {
  readonly lines: ReadLine[];
  readonly bytes: number;
  /** The path names another file now, or none: this follower is done after these lines. */
  readonly ended?: 'rotated' | 'removed';
  readonly truncated?: boolean;
}

const CHUNK = 256 * 1024;

export const identityOf = (info: { dev: number | bigint; ino: number | bigint }): string => `${info.dev}:${info.ino}`;

export class FileFollower {
  private partial = Buffer.alloc(0);
  private partialStart: number;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly identity: string,
    private offset: number,
  ) {
    this.partialStart = offset;
  }

  /** Opens `path` and starts at `offset` (0 if the file is shorter: it was truncated meanwhile). */
  static async open(path: string, offset: number): Promise<FileFollower> {
    const handle = await open(path, 'r');
    const info = await handle.stat();
    return new FileFollower(path, handle, identityOf(info), offset > info.size ? 0 : offset);
  }

  get readOffset(): number {
    return this.offset;
  }

  /** Reads what was appended, at most `budget` bytes. */
  async poll(budget: number): Promise<PollResult> {
    let pathIdentity: string | undefined;
    try {
      pathIdentity = identityOf(await stat(this.path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const size = (await this.handle.stat()).size;
    let truncated = false;
    if (size < this.offset) {
      // copytruncate: the file was copied away and emptied; what is there now is new.
      this.offset = 0;
      this.partial = Buffer.alloc(0);
      this.partialStart = 0;
      truncated = true;
    }
    const replaced = pathIdentity !== this.identity;
    // A replaced file is read to its end, whatever the budget: nothing is written to it any more.
    const { lines, bytes } = await this.readUpTo(size, replaced ? Number.POSITIVE_INFINITY : budget);
    if (replaced && this.offset >= size) {
      if (this.partial.length > 0) {
        lines.push({ line: decode(this.partial), endOffset: this.offset });
        this.partial = Buffer.alloc(0);
      }
      return { lines, bytes, ended: pathIdentity === undefined ? 'removed' : 'rotated', truncated };
    }
    return { lines, bytes, truncated };
  }

  private async readUpTo(size: number, budget: number): Promise<{ lines: ReadLine[]; bytes: number }> {
    const lines: ReadLine[] = [];
    let bytes = 0;
    while (this.offset < size && bytes < budget) {
      const length = Math.min(CHUNK, size - this.offset);
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await this.handle.read(buffer, 0, length, this.offset);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      const data = this.partial.length > 0 ? Buffer.concat([this.partial, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      const base = this.partialStart;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        lines.push({ line: decode(data.subarray(start, nl)), endOffset: base + nl + 1 });
        start = nl + 1;
      }
      this.partial = Buffer.from(data.subarray(start));
      this.partialStart = base + start;
      this.offset += bytesRead;
    }
    return { lines, bytes };
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

function decode(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
