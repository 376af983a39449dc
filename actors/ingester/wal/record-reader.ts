// Reads the records of one segment or checkpoint file in order, in large reads, and stops at the
// first record that is not whole and intact, reporting where the good prefix ends and why.

import { open } from 'node:fs/promises';
import { crc32c } from '../../../storage/chunk/crc32c.js';
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES } from './record-format.js';

const READ_BYTES = 1024 * 1024;

export interface FileRecord {
  readonly payload: Uint8Array;
  /** Offset of the record's header in the file. */
  readonly offset: number;
}

export interface ReadOutcome {
  /** Bytes from the start of the file that hold whole, intact records. */
  readonly goodBytes: number;
  readonly fileBytes: number;
  /** Why reading stopped before the end of the file; undefined when it reached the end. */
  readonly problem: string | undefined;
}

/**
 * Calls `onRecord` for each intact record. `onRecord` may throw to declare a record bad (an
 * undecodable payload); reading stops there as for a checksum mismatch.
 */
export async function readRecords(path: string, onRecord: (record: FileRecord) => void): Promise<ReadOutcome> {
  const handle = await open(path, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    let buffer = Buffer.alloc(0);
    let bufferStart = 0;
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const end = offset + length;
      if (offset < bufferStart || end > bufferStart + buffer.length) {
        const size = Math.min(Math.max(length, READ_BYTES), fileBytes - offset);
        const fresh = Buffer.allocUnsafe(size);
        let filled = 0;
        while (filled < size) {
          const { bytesRead } = await handle.read(fresh, filled, size - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        buffer = fresh.subarray(0, filled);
        bufferStart = offset;
      }
      return buffer.subarray(offset - bufferStart, end - bufferStart);
    };

    let offset = 0;
    while (offset < fileBytes) {
      const stop = (problem: string): ReadOutcome => ({ goodBytes: offset, fileBytes, problem });
      if (fileBytes - offset < RECORD_HEADER_BYTES) {
        return stop(`torn record header: ${fileBytes - offset} bytes left at offset ${offset}`);
      }
      const header = await read(offset, RECORD_HEADER_BYTES);
      const length = header.readUInt32BE(0);
      const checksum = header.readUInt32BE(4);
      // Zero is never a real length (a MessagePack value is at least one byte), and it is what a
      // zero-filled tail after a power loss reads as, with the empty payload's CRC also zero.
      if (length === 0 || length > MAX_RECORD_BYTES) return stop(`bad record length ${length} at offset ${offset}`);
      const end = offset + RECORD_HEADER_BYTES + length;
      if (end > fileBytes) {
        return stop(`torn record at offset ${offset}: ${length} payload bytes announced, ${fileBytes - offset - RECORD_HEADER_BYTES} present`);
      }
      const payload = await read(offset + RECORD_HEADER_BYTES, length);
      if (payload.length !== length) return stop(`short read at offset ${offset}`);
      const actual = crc32c(payload);
      if (actual !== checksum) {
        return stop(`checksum mismatch at offset ${offset}: stored ${hex(checksum)}, computed ${hex(actual)}`);
      }
      try {
        onRecord({ payload, offset });
      } catch (error) {
        return stop(`undecodable record at offset ${offset}: ${error instanceof Error ? error.message : String(error)}`);
      }
      offset = end;
    }
    return { goodBytes: offset, fileBytes, problem: undefined };
  } finally {
    await handle.close();
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
