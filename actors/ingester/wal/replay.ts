// Replays the WAL: the newest checkpoint, then every segment from its sequence number on, in
// order. Damage never stops a start: a bad record in the last segment is a torn tail from a
// crash (truncated there); one in an earlier segment or a checkpoint ends that file early.

import { truncate } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { IngesterPushRequest } from '../protocol.js';
import { errorMessage } from '../../../core/errors.js';
import type { WalFile, WalListing } from './files.js';
import { readRecords } from './record-reader.js';
import { decodeRequestPayload, entryCount } from './record-format.js';

export interface ReplayResult {
  readonly records: number;
  readonly entries: number;
  /** Some file was damaged: a torn tail truncated, or the rest of a file skipped. */
  readonly corrupt: boolean;
  readonly durationMs: number;
  /** The checkpoint replayed first, if any. */
  readonly checkpointSeq: number | undefined;
  readonly segments: number;
}

export interface ReplayPlan {
  readonly listing: WalListing;
  /** Segments at or past this number belong to the running writer and are not replayed. */
  readonly beforeSeq: number;
  readonly logger: Logger;
  readonly onCorruption: () => void;
}

export async function replayFiles(plan: ReplayPlan, apply: (request: IngesterPushRequest) => void): Promise<ReplayResult> {
  const started = performance.now();
  const { listing, logger } = plan;
  const checkpoint = listing.checkpoints[listing.checkpoints.length - 1];
  const fromSeq = checkpoint?.seq ?? 0;
  const segments = listing.segments.filter((segment) => segment.seq >= fromSeq && segment.seq < plan.beforeSeq);
  let records = 0;
  let entries = 0;
  let corrupt = false;
  let applyFailures = 0;

  const replayFile = async (file: WalFile, kind: 'checkpoint' | 'segment', isLast: boolean): Promise<void> => {
    const outcome = await readRecords(file.path, ({ payload }) => {
      const request = decodeRequestPayload(payload);
      records++;
      entries += entryCount(request);
      try {
        apply(request);
      } catch (error) {
        // A refusal by the ingester is not damage in the file: note it and keep going.
        if (applyFailures++ < 10) logger.error({ err: error, file: file.path }, 'WAL record could not be applied');
      }
    });
    if (outcome.problem === undefined) return;
    corrupt = true;
    plan.onCorruption();
    const lost = outcome.fileBytes - outcome.goodBytes;
    if (isLast) {
      logger.warn(
        { file: file.path, problem: outcome.problem, truncatedTo: outcome.goodBytes, droppedBytes: lost },
        'WAL tail is torn or corrupt; truncating the last segment after its last intact record',
      );
      try {
        await truncate(file.path, outcome.goodBytes);
      } catch (error) {
        // Replay already stopped at the right place; the next replay will stop there again.
        logger.warn({ err: error, file: file.path }, `WAL tail could not be truncated: ${errorMessage(error)}`);
      }
    } else {
      logger.warn(
        { file: file.path, problem: outcome.problem, skippedBytes: lost },
        `WAL ${kind} is corrupt; skipping the rest of it and continuing with the next file`,
      );
    }
  };

  if (checkpoint !== undefined) await replayFile(checkpoint, 'checkpoint', false);
  let previous: number | undefined = checkpoint?.seq;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (previous !== undefined && segment.seq > previous + (i === 0 ? 0 : 1)) {
      logger.warn({ expected: i === 0 ? previous : previous + 1, found: segment.seq }, 'WAL segments are missing; replaying what is there');
    }
    previous = segment.seq;
    await replayFile(segment, 'segment', i === segments.length - 1);
  }
  if (applyFailures > 0) logger.error({ failures: applyFailures }, 'WAL records that could not be applied during replay');
  return {
    records,
    entries,
    corrupt,
    durationMs: performance.now() - started,
    checkpointSeq: checkpoint?.seq,
    segments: segments.length,
  };
}
