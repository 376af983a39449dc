// Runs the frontend's sub-queries on queriers over the bus. The frontend's fair queue decides
// what runs next; this executor only says how many may run (`concurrency()`: the slots of every
// live querier, of which the queue keeps at most that many busy) and sends each to the querier
// with the most free slots, on that querier's own subject, reading the answer back in frames.
//
// A sub-query whose querier fails (a 5xx), dies (its job stream goes silent, its heartbeat
// stops, its entry goes) or times out is sent again to another querier, up to `max_retries`
// times, as Loki's frontend retries; a user error (a 4xx: a bad query, a limit) is the answer
// and is never retried. The client sees one answer or one error.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Bus } from '../../../bus/bus.js';
import { BusError, RemoteError } from '../../../bus/errors.js';
import { subjects } from '../../../bus/subjects.js';
import { errorMessage, isErrorCode, NornError } from '../../../core/errors.js';
import type { QueryResponse } from '../../../logql/types.js';
import type { ExecuteOptions, SubQuery, SubQueryExecutor } from '../executor.js';
import { AnswerAssembler } from '../../querier/worker/answer-frames.js';
import type { QueryJobCancel, QueryJobFrame, QueryJobRequest } from '../../querier/worker/protocol.js';
import type { QuerierLease, QuerierPool } from './querier-pool.js';
import type { RemoteExecutorMetrics } from './metrics.js';

export interface BusExecutorOptions {
  readonly bus: Bus;
  readonly pool: QuerierPool;
  /** Loki's `max_retries`: attempts after the first, each on another querier where there is one. */
  readonly maxRetries: number;
  /** A job stream silent this long (no keepalive, no frame) means its querier died. */
  readonly silenceTimeoutMs: number;
  readonly metrics?: RemoteExecutorMetrics;
  readonly logger: Logger;
}

/** No querier is live: the caller may run the sub-query in this process instead. */
export class NoQuerierError extends BusError {
  constructor() {
    super('BUS_NO_RESPONDERS', 'no querier is live to run the sub-query');
  }
}

export class BusExecutor implements SubQueryExecutor {
  constructor(private readonly options: BusExecutorOptions) {}

  concurrency(): number {
    return this.options.pool.capacity();
  }

  async execute(job: SubQuery, { signal }: ExecuteOptions = {}): Promise<QueryResponse> {
    const { pool, maxRetries, metrics, logger } = this.options;
    const failedOn = new Set<string>();
    let lastError: unknown;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const lease = await pool.lease(failedOn, signal);
      if (lease === undefined) {
        if (attempt === 0) throw new NoQuerierError();
        throw new NornError('QUERY_INGESTERS_UNAVAILABLE', `sub-query failed and no querier is left to retry it: ${errorMessage(lastError)}`, { cause: lastError });
      }
      if (attempt > 0) metrics?.retries.inc();
      try {
        return await this.runOn(lease, job, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const user = userError(error);
        if (user !== undefined) throw user;
        lastError = error;
        failedOn.add(lease.querier);
        logger.warn({ err: error, querier: lease.querier, attempt: attempt + 1 }, 'sub-query failed on a querier; retrying elsewhere');
      } finally {
        lease.release();
      }
    }
    metrics?.failures.inc();
    const status = lastError instanceof NornError && lastError.status >= 500 ? lastError.code : 'QUERY_INGESTERS_UNAVAILABLE';
    throw new NornError(status, `sub-query failed on ${maxRetries + 1} attempts, the last: ${errorMessage(lastError)}`, { cause: lastError });
  }

  private async runOn(lease: QuerierLease, job: SubQuery, signal: AbortSignal | undefined): Promise<QueryResponse> {
    const { bus, silenceTimeoutMs, metrics } = this.options;
    const querier = lease.querier;
    const request: QueryJobRequest = { jobId: randomUUID(), params: job.params };
    const cancel = (): void => bus.publish(subjects.queryCancel(querier), { jobId: request.jobId } satisfies QueryJobCancel);
    const stop = new Promise<never>((_, reject) => {
      const onLost = (): void => reject(new BusError('BUS_CONNECTION', errorMessage(lease.lost.reason)));
      const onAbort = (): void => {
        cancel();
        reject(signal!.reason);
      };
      if (lease.lost.aborted) onLost();
      lease.lost.addEventListener('abort', onLost, { once: true });
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    stop.catch(() => undefined);
    const gauge = metrics?.inFlight.labels(querier);
    gauge?.inc();
    const frames = bus.requestStream<QueryJobFrame>(subjects.queryJobs(querier), request, { timeoutMs: silenceTimeoutMs })[Symbol.asyncIterator]();
    const answer = new AnswerAssembler();
    let finished = false;
    try {
      for (;;) {
        const next = frames.next();
        next.catch(() => undefined);
        const step = await Promise.race([next, stop]);
        if (step.done === true) break;
        answer.add(step.value);
      }
      finished = true;
    } finally {
      gauge?.dec();
      // Stopped early (cancelled, querier lost): the stream closes once its pending frame settles.
      if (!finished) Promise.resolve(frames.return?.(undefined)).catch(() => undefined);
    }
    const result = answer.result;
    if (result === undefined) throw new BusError('BUS_REMOTE', `querier ${querier} ended the sub-query's answer without its last frame`);
    metrics?.subQueries.inc({ querier });
    return result;
  }
}

/** A 4xx from the querier, as the same coded error it was there; undefined for anything else. */
function userError(error: unknown): NornError | undefined {
  if (!(error instanceof NornError) || error.status < 400 || error.status >= 500) return undefined;
  if (error instanceof RemoteError && isErrorCode(error.remoteCode)) return new NornError(error.remoteCode, error.message, { cause: error });
  return error;
}
