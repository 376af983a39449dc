// The querier's side of the query frontend: takes sub-queries sent to its own subject, runs each
// in one of its `max_concurrent` slots, and streams the answer back in frames under the bus's
// `max_payload`. While a job waits for a slot or runs, a `working` frame goes out every
// keepalive period: a requester that hears nothing for its gap timeout knows this querier died.
//
// Stopping (SIGTERM) is graceful, as Loki's querier worker: the entry turns LEAVING so gateways
// send nothing new, the jobs already taken finish and are answered, then the entry is removed.

import type { Logger } from 'pino';
import type { Bus, Subscription } from '../../../bus/bus.js';
import { BusError } from '../../../bus/errors.js';
import { subjects } from '../../../bus/subjects.js';
import type { QueryParams, QueryResponse } from '../../../logql/types.js';
import { answerFrames } from './answer-frames.js';
import type { QuerierAnnouncer } from './announcer.js';
import type { QueryJobCancel, QueryJobFrame, QueryJobRequest } from './protocol.js';
import { Slots } from './slots.js';
import type { WorkerMetrics } from './metrics.js';

/** Runs one sub-query here; `signal` aborts its ingester requests and store scan. */
export type RunSubQuery = (params: QueryParams, signal: AbortSignal) => Promise<QueryResponse>;

export interface QueryWorkerDeps {
  readonly id: string;
  readonly bus: Bus;
  readonly run: RunSubQuery;
  readonly maxConcurrent: number;
  readonly keepaliveMs: number;
  readonly announcer: QuerierAnnouncer;
  readonly metrics?: WorkerMetrics;
  readonly logger: Logger;
}

const TICK = Symbol('tick');

export class QueryWorker {
  private readonly slots: Slots;
  private readonly jobs = new Map<string, AbortController>();
  private readonly subscriptions: Subscription[] = [];
  private draining = false;
  private idle: (() => void) | undefined;

  constructor(private readonly deps: QueryWorkerDeps) {
    this.slots = new Slots(deps.maxConcurrent);
  }

  async start(): Promise<void> {
    const { bus, id } = this.deps;
    this.subscriptions.push(
      bus.handle<QueryJobRequest, QueryJobFrame>(subjects.queryJobs(id), (request) => this.serve(request)),
      bus.subscribe<QueryJobCancel>(subjects.queryCancel(id), (message) => this.cancel(message.data.jobId)),
    );
    await this.deps.announcer.start();
  }

  /** Jobs taken and not yet answered. */
  get inFlight(): number {
    return this.jobs.size;
  }

  private cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job === undefined) return;
    this.deps.metrics?.cancelled.inc();
    job.abort(new BusError('BUS_CLOSED', `sub-query ${jobId} was cancelled by its gateway`));
  }

  private async *serve(request: QueryJobRequest): AsyncGenerator<QueryJobFrame> {
    if (this.draining) throw new BusError('BUS_CLOSED', `querier ${this.deps.id} is shutting down and takes no new sub-queries`);
    const controller = new AbortController();
    this.jobs.set(request.jobId, controller);
    this.deps.metrics?.inFlight.inc();
    const endTimer = this.deps.metrics?.duration.startTimer();
    let holdsSlot = false;
    let outcome = 'cancelled';
    try {
      yield { kind: 'working' };
      const slot = this.slots.acquire(controller.signal);
      slot.catch(() => undefined);
      for (;;) {
        if ((await this.tick(slot)) !== TICK) break;
        yield { kind: 'working' };
      }
      await slot;
      holdsSlot = true;
      const answer = this.deps.run(request.params, controller.signal);
      answer.catch(() => undefined);
      for (;;) {
        if ((await this.tick(answer)) !== TICK) break;
        yield { kind: 'working' };
      }
      const response = await answer;
      outcome = 'success';
      yield* answerFrames(response, this.deps.bus.maxPayloadBytes);
    } catch (error) {
      outcome = controller.signal.aborted ? 'cancelled' : 'error';
      throw error;
    } finally {
      // The requester went away (a cancel, or its stream ended early): stop the work too.
      if (outcome !== 'success') controller.abort(new BusError('BUS_CLOSED', `sub-query ${request.jobId} was abandoned by its gateway`));
      if (holdsSlot) this.slots.release();
      this.jobs.delete(request.jobId);
      this.deps.metrics?.inFlight.dec();
      this.deps.metrics?.jobs.inc({ outcome });
      endTimer?.();
      if (this.jobs.size === 0) this.idle?.();
    }
  }

  /** The settled value of `work`, or TICK when a keepalive period passes first. */
  private async tick<T>(work: Promise<T>): Promise<T | typeof TICK> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([work, new Promise<typeof TICK>((resolve) => (timer = setTimeout(() => resolve(TICK), this.deps.keepaliveMs)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes no new jobs, finishes those taken (at most `timeoutMs`), then leaves the bucket. */
  async stop(timeoutMs: number): Promise<void> {
    this.draining = true;
    await this.deps.announcer.leaving().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not mark this querier LEAVING'));
    if (this.jobs.size > 0) {
      this.deps.logger.info({ jobs: this.jobs.size }, 'finishing the sub-queries in flight before stopping');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.idle = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
      for (const job of this.jobs.values()) job.abort(new BusError('BUS_CLOSED', `querier ${this.deps.id} stopped before the sub-query finished`));
    }
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await this.deps.announcer.remove().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not remove this querier from the queriers bucket'));
  }
}
