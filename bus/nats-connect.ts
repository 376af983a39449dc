// Connecting the NATS transport: the client options that make a restarted nats-server a pause,
// not a failure.

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusError } from './errors.js';
import { silentLogger, type BusLogger } from './logger.js';
import { NatsBus } from './nats-bus.js';

export interface NatsBusOptions {
  /** One URL or several of the same cluster, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | string[];
  /** The connection's name, shown by the server's monitoring (use the process's role and id). */
  readonly name: string;
  readonly logger?: BusLogger;
  /** Wait between reconnect attempts (default 1000 ms); attempts never stop. */
  readonly reconnectWaitMs?: number;
  /** How often the client pings the server; two unanswered pings count as a disconnect (default 10 s). */
  readonly pingIntervalMs?: number;
  /** Keep trying when the first connect fails instead of rejecting (default false). */
  readonly waitOnFirstConnect?: boolean;
  /** How long `close()` waits for in-flight handlers and the drain (default 10 s). */
  readonly closeTimeoutMs?: number;
  /** How long a KV operation waits for the server (default 5 s); KV_ERROR after that. */
  readonly kvTimeoutMs?: number;
}

export async function connectNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  const reconnectWaitMs = options.reconnectWaitMs ?? 1000;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.servers,
      name: options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: reconnectWaitMs,
      reconnectJitter: Math.min(100, Math.floor(reconnectWaitMs / 5)),
      pingInterval: options.pingIntervalMs ?? 10_000,
      maxPingOut: 2,
      waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    });
  } catch (cause) {
    throw new BusError('BUS_CONNECTION', `cannot connect to nats at ${String(options.servers)}`, { cause });
  }
  return new NatsBus(nc, {
    logger: options.logger ?? silentLogger,
    closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
    kvTimeoutMs: options.kvTimeoutMs ?? 5_000,
  });
}
