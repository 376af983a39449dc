// The in-process "server": the subscriptions and KV buckets that several MemoryBus instances
// share, as several processes share one nats-server. Routing follows NATS: every plain
// subscriber gets a copy, each queue group (by queue name) hands the message to one member,
// and delivery is asynchronous and in publish order per subscriber.

import { DEFAULT_MAX_PAYLOAD_BYTES } from './codec.js';
import type { ThrownErrorInfo } from './handler-result.js';
import { MemoryKvBucket } from './memory-kv.js';
import { subjectMatches } from './subject-match.js';

/**
 * A value handed over as it is, without encoding: what a MemoryBus with `copyPayloads: false`
 * sends. Receivers share the object, so it must not be mutated after sending.
 */
export class SharedValue {
  constructor(readonly value: unknown) {}
}

/** Encoded bytes (the default, as on the wire) or a shared value. */
export type Payload = Uint8Array | SharedValue;

export type ReplyOutcome =
  | { readonly kind: 'value'; readonly payload: Payload }
  | { readonly kind: 'error'; readonly error: ThrownErrorInfo }
  | { readonly kind: 'stream'; readonly items: AsyncIterator<unknown> };

/** How a handler answers a request; only the first answer counts. */
export interface ReplyPort {
  readonly wantsStream: boolean;
  send(outcome: ReplyOutcome): void;
}

export interface BrokerMessage {
  readonly subject: string;
  readonly payload: Payload;
  readonly reply?: ReplyPort;
}

export interface BrokerSubscriber {
  readonly pattern: string;
  readonly queue: string | undefined;
  deliver(message: BrokerMessage): void;
}

interface Route {
  readonly plain: BrokerSubscriber[];
  readonly groups: Map<string, BrokerSubscriber[]>;
}

const ROUTE_CACHE_LIMIT = 10_000;

export interface MemoryBrokerOptions {
  /** Largest encoded payload; 8 MiB by default, like the nats-server the tests start. */
  readonly maxPayloadBytes?: number;
}

export class MemoryBroker {
  readonly maxPayloadBytes: number;
  private readonly subscribers = new Set<BrokerSubscriber>();
  private readonly routes = new Map<string, Route>();
  private readonly roundRobin = new Map<string, number>();
  private readonly buckets = new Map<string, MemoryKvBucket>();

  constructor(options: MemoryBrokerOptions = {}) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /** Registers a subscriber; the returned function removes it. */
  add(subscriber: BrokerSubscriber): () => void {
    this.subscribers.add(subscriber);
    this.routes.clear();
    return () => {
      if (this.subscribers.delete(subscriber)) this.routes.clear();
    };
  }

  /** Hands the message to its receivers (later, in a microtask); returns how many there are. */
  route(subject: string, payload: Payload, reply?: ReplyPort): number {
    const route = this.routeFor(subject);
    const receivers = [...route.plain];
    for (const [queue, members] of route.groups) {
      const turn = this.roundRobin.get(queue) ?? 0;
      this.roundRobin.set(queue, turn + 1);
      receivers.push(members[turn % members.length] as BrokerSubscriber);
    }
    receivers.forEach((receiver, index) => {
      // Each receiver decodes its own copy, so no two of them share a byte of a Uint8Array.
      const copy = index === 0 || payload instanceof SharedValue ? payload : payload.slice();
      const message: BrokerMessage = { subject, payload: copy, reply };
      queueMicrotask(() => receiver.deliver(message));
    });
    return receivers.length;
  }

  /** The bucket named `name`, created with `ttlMs` if it does not exist yet. */
  bucket(name: string, ttlMs: number): MemoryKvBucket {
    let bucket = this.buckets.get(name);
    if (bucket === undefined) {
      bucket = new MemoryKvBucket(name, ttlMs);
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  private routeFor(subject: string): Route {
    const cached = this.routes.get(subject);
    if (cached !== undefined) return cached;
    const route: Route = { plain: [], groups: new Map() };
    for (const subscriber of this.subscribers) {
      if (!subjectMatches(subscriber.pattern, subject)) continue;
      if (subscriber.queue === undefined) {
        route.plain.push(subscriber);
        continue;
      }
      const members = route.groups.get(subscriber.queue);
      if (members === undefined) route.groups.set(subscriber.queue, [subscriber]);
      else members.push(subscriber);
    }
    if (this.routes.size >= ROUTE_CACHE_LIMIT) this.routes.clear();
    this.routes.set(subject, route);
    return route;
  }
}
