import { describe, expect, it } from 'vitest';
import { StorageError } from '../object-store.js';
import { indexMetadata } from './metadata-records.js';
import { putUvarint } from './varint.js';

/** A metadata section: per entry uvarint #pairs, then uvarint length + bytes for name and value. */
function section(records: ReadonlyArray<ReadonlyArray<[string, string]>>): Buffer {
  const out = Buffer.alloc(1 << 16);
  let pos = 0;
  for (const pairs of records) {
    pos = putUvarint(out, pos, pairs.length);
    for (const [name, value] of pairs) {
      for (const text of [name, value]) {
        const bytes = Buffer.from(text);
        pos = putUvarint(out, pos, bytes.length);
        pos += bytes.copy(out, pos);
      }
    }
  }
  return out.subarray(0, pos);
}

describe('the metadata section index', () => {
  it('numbers each entry by its distinct record, first seen first', () => {
    const level = (value: string): [string, string][] => [['detected_level', value]];
    const records = [level('info'), level('info'), level('warn'), [], level('info'), level('warn'), [['detected_level', 'info'], ['trace_id', 'x']] as [string, string][], level('info')];
    const buf = section(records);
    const index = indexMetadata(buf, records.length, 0, buf.length, 'block 0');
    expect([...index.ids!]).toEqual([0, 0, 1, 2, 0, 1, 3, 0]);
    expect(index.firstEntry).toEqual([0, 2, 3, 6]);
    expect(index.offsets[0]).toBe(0);
    expect(index.offsets[records.length]).toBe(buf.length);
    // Each offset starts its own record: the record of entry 3 is one zero byte (no pairs).
    expect(index.offsets[4]! - index.offsets[3]!).toBe(1);
    expect(buf[index.offsets[3]!]).toBe(0);
  });

  it('keeps the offsets but no numbers past 64 distinct records in a block', () => {
    const records = Array.from({ length: 100 }, (_, i): [string, string][] => [['trace_id', `t${i}`]]);
    const buf = section(records);
    const index = indexMetadata(buf, records.length, 0, buf.length, 'block 0');
    expect(index.ids).toBeUndefined();
    expect(index.offsets[99]! - index.offsets[98]!).toBe(1 + 1 + 8 + 1 + 3);
  });

  it('tells records apart that differ only in a name, or have the same bytes in another order', () => {
    const records: [string, string][][] = [[['a', 'bc']], [['ab', 'c']], [['a', 'bc']], [['x', '1'], ['y', '2']], [['y', '2'], ['x', '1']]];
    const buf = section(records);
    expect([...indexMetadata(buf, records.length, 0, buf.length, 'block 0').ids!]).toEqual([0, 1, 0, 2, 3]);
  });

  it('refuses a section that does not hold one record per entry, as CORRUPT_CHUNK', () => {
    const buf = section([[['k', 'v']], [['k', 'v']]]);
    const refuse = (bytes: Buffer, n: number, message: RegExp) => {
      let error: unknown;
      try {
        indexMetadata(bytes, n, 0, bytes.length, 'block 2');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('CORRUPT_CHUNK');
      expect((error as Error).message).toMatch(message);
    };
    refuse(buf, 1, /corrupt chunk: block 2 5 bytes of metadata belong to no entry/);
    refuse(buf, 3, /corrupt chunk: block 2 has a truncated varint at byte 10/);
    refuse(buf.subarray(0, 9), 2, /corrupt chunk: block 2 metadata length 1 at byte 9 overruns the section/);
    refuse(Buffer.from([0x05, 0x01, 0x61]), 1, /metadata pair count 5 overruns the block/);
    refuse(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1, /varint overflow/);
  });
});
