import { appendFile, mkdtemp, open, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode } from '../../../bus/codec.js';
import type { IngesterPushRequest } from '../protocol.js';
import { frameRecord } from './record-format.js';
import { Wal } from './wal.js';
import { WARN, captureLogger, freshMetrics, pushRequest, walConfig } from './testing/wal-fixture.js';

let dataDir: string;
let walDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'norn-wal-corrupt-'));
  walDir = join(dataDir, 'wal');
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Writes `perSegment` records into each of `segments` segments; returns them per segment. */
async function writeSegments(segments: number, perSegment: number): Promise<IngesterPushRequest[][]> {
  const written: IngesterPushRequest[][] = [];
  let seq = 0;
  for (let s = 0; s < segments; s++) {
    // One Wal per segment: each open starts a new segment after the existing ones.
    const wal = await Wal.open({ dataDir, config: walConfig(), metrics: freshMetrics(), logger: captureLogger().logger });
    const batch = Array.from({ length: perSegment }, () => pushRequest(seq++, 4));
    for (const request of batch) await wal.append(request);
    await wal.close();
    written.push(batch);
  }
  return written;
}

async function replay() {
  const { logger, records: logs } = captureLogger();
  const metrics = freshMetrics();
  const wal = await Wal.open({ dataDir, config: walConfig(), metrics, logger });
  const seen: IngesterPushRequest[] = [];
  const result = await wal.replay((request) => seen.push(request));
  await wal.close();
  const corruptions = (await metrics.walCorruptions.get()).values[0]?.value ?? 0;
  return { seen, result, corruptions, warnings: logs.filter((log) => log.level === WARN) };
}

/** Offsets at which each record of a segment starts. */
async function recordOffsets(path: string): Promise<number[]> {
  const bytes = await readFile(path);
  const offsets: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 8 + bytes.readUInt32BE(offset)) offsets.push(offset);
  return offsets;
}

describe('WAL replay of damaged files', () => {
  it('truncates a torn tail of the last segment with a warning and replays every earlier record', async () => {
    const [first, last] = await writeSegments(2, 10);
    const path = join(walDir, '00000002');
    const offsets = await recordOffsets(path);
    const size = (await stat(path)).size;
    // Cut the last record in half, as a crash during its write(2) would.
    const cut = offsets[9]! + Math.floor((size - offsets[9]!) / 2);
    await truncate(path, cut);

    const { seen, result, corruptions, warnings } = await replay();
    expect(seen).toEqual([...first!, ...last!.slice(0, 9)]);
    expect(result.corrupt).toBe(true);
    expect(corruptions).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('truncating the last segment');
    expect(warnings[0]!.truncatedTo).toBe(offsets[9]);
    expect((await stat(path)).size).toBe(offsets[9]);

    // Repaired: the next replay finds nothing wrong and the same records.
    const again = await replay();
    expect(again.result.corrupt).toBe(false);
    expect(again.warnings).toHaveLength(0);
    expect(again.seen).toEqual(seen);
  });

  it('treats a tail shorter than a record header as torn', async () => {
    const [only] = await writeSegments(1, 3);
    const path = join(walDir, '00000001');
    const size = (await stat(path)).size;
    await appendFile(path, Buffer.from([0, 0, 1]));
    const { seen, result } = await replay();
    expect(seen).toEqual(only);
    expect(result.corrupt).toBe(true);
    expect((await stat(path)).size).toBe(size);
  });

  it('treats a zero-filled tail (a power loss on some filesystems) as torn, not as empty records', async () => {
    const [only] = await writeSegments(1, 3);
    const path = join(walDir, '00000001');
    const size = (await stat(path)).size;
    await appendFile(path, Buffer.alloc(4096));
    const { seen, result } = await replay();
    expect(seen).toEqual(only);
    expect(result.corrupt).toBe(true);
    expect((await stat(path)).size).toBe(size);
  });

  it('skips the rest of a middle segment with a flipped byte and continues with the next', async () => {
    const [first, middle, last] = await writeSegments(3, 10);
    const path = join(walDir, '00000002');
    const offsets = await recordOffsets(path);
    const sizeBefore = (await stat(path)).size;
    // Flip one payload byte of the fifth record: its CRC no longer matches.
    const handle = await open(path, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offsets[4]! + 8 + 10);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, offsets[4]! + 8 + 10);
    await handle.close();

    const { seen, result, corruptions, warnings } = await replay();
    expect(seen).toEqual([...first!, ...middle!.slice(0, 4), ...last!]);
    expect(result.corrupt).toBe(true);
    expect(corruptions).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.problem)).toContain('checksum mismatch');
    expect(warnings[0]!.msg).toContain('skipping the rest');
    // Only the last segment is ever truncated.
    expect((await stat(path)).size).toBe(sizeBefore);
  });

  it('stops at an absurd length in a middle segment', async () => {
    const [first, middle, last] = await writeSegments(3, 4);
    const path = join(walDir, '00000002');
    const offsets = await recordOffsets(path);
    const handle = await open(path, 'r+');
    await handle.write(Buffer.from([0xff, 0xff, 0xff, 0xf0]), 0, 4, offsets[2]!);
    await handle.close();
    const { seen, warnings } = await replay();
    expect(seen).toEqual([...first!, ...middle!.slice(0, 2), ...last!]);
    expect(String(warnings[0]!.problem)).toContain('bad record length');
  });

  it('treats an intact record that is not a push request as corrupt', async () => {
    const [only] = await writeSegments(1, 2);
    const path = join(walDir, '00000001');
    const size = (await stat(path)).size;
    await appendFile(path, frameRecord(encode({ not: 'a push' })));
    await appendFile(path, frameRecord(encode(pushRequest(99))));
    const { seen, warnings } = await replay();
    expect(seen).toEqual(only);
    expect(String(warnings[0]!.problem)).toContain('undecodable');
    expect((await stat(path)).size).toBe(size);
  });

  it('replays what precedes damage in a checkpoint, then the segments after it', async () => {
    const wal = await Wal.open({ dataDir, config: walConfig(), metrics: freshMetrics(), logger: captureLogger().logger });
    const state = [pushRequest(1), pushRequest(2), pushRequest(3)];
    const checkpoint = await wal.checkpoint(() => state);
    await wal.append(pushRequest(4));
    await wal.close();
    const path = join(walDir, `checkpoint.${String(checkpoint.seq).padStart(8, '0')}`);
    const offsets = await recordOffsets(path);
    await truncate(path, offsets[2]! + 3);

    const { seen, result, warnings } = await replay();
    expect(seen).toEqual([pushRequest(1), pushRequest(2), pushRequest(4)]);
    expect(result.checkpointSeq).toBe(checkpoint.seq);
    expect(warnings[0]!.msg).toContain('checkpoint is corrupt');
  });

  it('ignores an interrupted checkpoint and replays every segment', async () => {
    const [only] = await writeSegments(1, 3);
    await writeFile(join(walDir, 'checkpoint.00000002.tmp'), Buffer.from('half a checkpoint'));
    const { seen, result } = await replay();
    expect(seen).toEqual(only);
    expect(result.corrupt).toBe(false);
    expect(await readdir(walDir)).toEqual(['00000001']);
  });
});
