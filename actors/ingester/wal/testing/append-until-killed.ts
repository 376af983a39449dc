// Child process of the kill -9 test: appends numbered pushes to a WAL from several concurrent
// writers and prints each sequence number once its append resolved (and, with checkpoints on,
// once it is applied to memory, as the ingester acknowledges). It runs until it is killed.
//
//   node --import tsx append-until-killed.ts <dataDir> <always|interval|never|batch> [checkpoint]

import type { WalSyncPolicy } from '../../config.js';
import { PeriodicCheckpointer } from '../checkpointer.js';
import { ingesterSnapshot } from '../snapshot.js';
import { StreamMemory, freshMetrics, pushRequest, walConfig } from './wal-fixture.js';
import { Wal } from '../wal.js';
import pino from 'pino';

const [dataDir, sync = 'always', mode = 'plain'] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: append-until-killed.ts <dataDir> <sync> [checkpoint]');
const WRITERS = 8;

const logger = pino({ level: 'warn' }, process.stderr);
const checkpointing = mode === 'checkpoint';
const wal = await Wal.open({
  dataDir,
  config: walConfig({ sync: sync as WalSyncPolicy, syncIntervalMs: 10, segmentBytes: checkpointing ? 16 * 1024 : 64 * 1024 * 1024 }),
  metrics: freshMetrics(),
  logger,
  checkpointWriteBytes: 4096,
});
const memory = new StreamMemory();
if (checkpointing) {
  new PeriodicCheckpointer({ wal, snapshot: () => ingesterSnapshot(memory, { maxRecordBytes: 4096 }), intervalMs: 15, logger }).start();
}

let next = 0;
async function writer(): Promise<never> {
  for (;;) {
    const seq = next++;
    const request = pushRequest(seq, 10);
    await wal.append(request);
    memory.apply(request);
    // Synchronous on a pipe: once printed, the parent sees it even if we die right after.
    process.stdout.write(`${seq}\n`);
  }
}

await Promise.all(Array.from({ length: WRITERS }, () => writer()));
