// The reading side of a live tail: subscribes the tail on every ingester that may receive the
// tenant's lines, renews it while the tail lasts (reaching ingesters that joined since), and
// hands each frame they publish to the caller as it arrives. Replicas send the same line once
// each; the caller deduplicates (it must anyway, against its historical batch).

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Bus, Subscription } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { IngesterTailReply, IngesterTailRequest, TailFrame } from '../ingester/protocol.js';
import { toleratedFailures } from '../ring/model.js';
import type { RingWatcher } from '../ring/ring-watcher.js';
import { NornError, errorMessage } from '../../core/errors.js';
import type { LiveTail, LiveTailHandlers } from './api.js';

/** An ingester forgets a tail not renewed for this long. */
export const TAIL_TTL_MS = 30_000;
/** How often a tail is renewed, and offered to ingesters that joined the ring since. */
export const TAIL_RENEW_MS = 10_000;
const TAIL_REQUEST_TIMEOUT_MS = 5_000;

export interface LiveTailDeps {
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly logger: Logger;
  readonly now: () => number;
}

export class TailError extends NornError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QUERY_INGESTERS_UNAVAILABLE', message, options);
  }
}

/** Resolves once enough ingesters (all but RF - quorum) took the tail; rejects otherwise. */
export async function startLiveTail(deps: LiveTailDeps, tenant: string, query: string, handlers: LiveTailHandlers): Promise<LiveTail> {
  const id = randomUUID();
  const subject = subjects.tailEntries(id);
  let closed = false;
  const subscription: Subscription = deps.bus.subscribe<TailFrame>(subject, (message) => {
    if (!closed) handlers.onStreams(message.data.streams);
  });
  const subscribe: IngesterTailRequest = { kind: 'subscribe', id, tenant, query, subject, ttlMs: TAIL_TTL_MS };

  const offer = async (): Promise<{ failures: Array<{ ingester: string; error: unknown }> }> => {
    const members = deps.ring.ring.membersFor('read', deps.now());
    const results = await Promise.allSettled(
      members.map((member) => deps.bus.request<IngesterTailReply>(subjects.ingesterTail(member.id), subscribe, { timeoutMs: TAIL_REQUEST_TIMEOUT_MS })),
    );
    const failures: Array<{ ingester: string; error: unknown }> = [];
    results.forEach((result, i) => {
      if (result.status === 'rejected') failures.push({ ingester: members[i]!.id, error: result.reason });
    });
    return { failures };
  };

  const first = await offer();
  const tolerated = toleratedFailures(deps.ring.ring.replicationFactor);
  if (first.failures.length > tolerated) {
    subscription.unsubscribe();
    void unsubscribeAll(deps, id);
    const reason = errorMessage(first.failures[0]!.error);
    throw new TailError(`${first.failures.length} ingesters could not start the tail (at most ${tolerated} may): ${reason}`, { cause: first.failures[0]!.error });
  }
  for (const failure of first.failures) deps.logger.warn({ err: failure.error, ingester: failure.ingester, tenant }, 'ingester could not start a tail');

  const renewer = setInterval(() => {
    void offer().then(({ failures }) => {
      for (const failure of failures) deps.logger.warn({ err: failure.error, ingester: failure.ingester, tenant }, 'ingester could not renew a tail');
      const lost = failures.length > tolerated;
      if (lost && !closed) handlers.onError?.(new TailError(`${failures.length} ingesters lost the tail: ${errorMessage(failures[0]!.error)}`));
    });
  }, TAIL_RENEW_MS);
  renewer.unref();

  return {
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(renewer);
      subscription.unsubscribe();
      await unsubscribeAll(deps, id);
    },
  };
}

async function unsubscribeAll(deps: LiveTailDeps, id: string): Promise<void> {
  const request: IngesterTailRequest = { kind: 'unsubscribe', id };
  const members = deps.ring.ring.membersFor('read', deps.now());
  // Best effort: an ingester that misses this forgets the tail when its TTL runs out.
  await Promise.allSettled(members.map((member) => deps.bus.request(subjects.ingesterTail(member.id), request, { timeoutMs: TAIL_REQUEST_TIMEOUT_MS })));
}
