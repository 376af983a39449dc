// Writes a checkpoint every `intervalMs` so replay time and WAL disk use stay bounded by the
// unflushed data in memory rather than by uptime. A failed checkpoint is logged and retried at
// the next tick; the segments it would have replaced are kept, so nothing is lost meanwhile.

import type { Logger } from 'pino';
import type { IngesterPushRequest } from '../protocol.js';
import type { CheckpointResult, Wal } from './wal.js';

export interface CheckpointerOptions {
  readonly wal: Pick<Wal, 'checkpoint'>;
  readonly snapshot: () => Iterable<IngesterPushRequest>;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class PeriodicCheckpointer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<CheckpointResult | undefined> | undefined;

  constructor(private readonly options: CheckpointerOptions) {}

  start(): void {
    if (this.timer !== undefined || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a checkpoint in progress. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One checkpoint now, unless one is already being written (then that one's outcome). */
  runOnce(): Promise<CheckpointResult | undefined> {
    if (this.running !== undefined) return this.running;
    const { wal, snapshot, logger } = this.options;
    this.running = wal
      .checkpoint(snapshot)
      .catch((error: unknown) => {
        logger.error({ err: error }, 'WAL checkpoint failed; keeping the segments, retrying at the next interval');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
