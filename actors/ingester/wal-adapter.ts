// The ingester's view of its WAL: append before acknowledging, replay at start, checkpoint
// periodically, reset after a complete handoff or flush.

import type { Logger } from 'pino';
import type { WalConfig } from './config.js';
import type { Ingester, PushLog } from './ingester.js';
import type { IngesterMetrics } from './metrics.js';
import type { IngesterPushRequest } from './protocol.js';
import { PeriodicCheckpointer, Wal, ingesterSnapshot } from './wal/mod.js';

export interface IngesterWal extends PushLog {
  replay(apply: (request: IngesterPushRequest) => void): Promise<void>;
  /** Checkpoints the ingester's unflushed memory every `checkpointMs`. */
  startCheckpoints(ingester: () => Pick<Ingester, 'tenants'>): void;
  /** Forgets everything: called once all data was flushed or handed off. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function openWal(dataDir: string, config: WalConfig, metrics: IngesterMetrics, logger: Logger): Promise<IngesterWal> {
  const wal = await Wal.open({ dataDir, config, metrics, logger: logger.child({ part: 'wal' }) });
  let checkpointer: PeriodicCheckpointer | undefined;
  let replayedRecords = 0;
  return {
    append: (request, encoded) => wal.append(request, encoded),
    appendRecord: (record) => wal.appendRecord(record),
    async replay(apply) {
      replayedRecords = (await wal.replay(apply)).records;
    },
    startCheckpoints(ingester) {
      checkpointer = new PeriodicCheckpointer({ wal, snapshot: () => ingesterSnapshot(ingester()), intervalMs: config.checkpointMs, logger });
      checkpointer.start();
      // A process that keeps crashing must not pile up segments: fold the replayed ones at once.
      if (replayedRecords > 0) void checkpointer.runOnce();
    },
    async reset() {
      await checkpointer?.stop();
      checkpointer = undefined;
      await wal.reset();
    },
    async close() {
      await checkpointer?.stop();
      await wal.close();
    },
  };
}
