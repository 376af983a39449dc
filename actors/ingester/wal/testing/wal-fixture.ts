// Shared by the WAL's tests and its kill -9 child process: in-memory streams to replay into,
// a logger whose records can be inspected, and push requests with recognisable lines.

import { Registry } from 'prom-client';
import pino, { type Logger } from 'pino';
import { DEFAULT_INGESTER, type WalConfig } from '../../config.js';
import { DEFAULT_LIMITS } from '../../../../core/limits.js';
import { createIngesterMetrics, type IngesterMetrics } from '../../metrics.js';
import type { IngesterPushRequest } from '../../protocol.js';
import { TenantStreams } from '../../tenant-streams.js';
import { labelsFromRecord, labelsToString, type Entry } from '../../../../core/model.js';

export interface CapturedLog {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export function captureLogger(): { logger: Logger; records: CapturedLog[] } {
  const records: CapturedLog[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as CapturedLog) });
  return { logger, records };
}

export const WARN = 40;

export function freshMetrics(): IngesterMetrics {
  return createIngesterMetrics(new Registry());
}

export function walConfig(overrides: Partial<WalConfig> = {}): WalConfig {
  return { enabled: true, sync: 'always', syncIntervalMs: 20, segmentBytes: 64 * 1024 * 1024, checkpointMs: 0, ...overrides };
}

/**
 * The part of an Ingester the WAL touches: its tenants' streams and `apply()`, with the same
 * stream rules (TenantStreams). Kept free of the query path so these tests load only the WAL's
 * own dependencies; ingester-wal.test.ts runs the same flow against the real Ingester.
 */
export class StreamMemory {
  readonly tenants = new Map<string, TenantStreams>();

  apply(request: IngesterPushRequest): string[] {
    let tenant = this.tenants.get(request.tenant);
    if (tenant === undefined) {
      tenant = new TenantStreams(request.tenant, DEFAULT_INGESTER, DEFAULT_LIMITS);
      this.tenants.set(request.tenant, tenant);
    }
    return tenant.push(request.streams, Date.now()).errors;
  }
}

const BASE_TS = 1_700_000_000_000_000_000n;

/** A push of `count` entries in stream `{app="<app>"}` whose lines name `seq` and the index. */
export function pushRequest(seq: number, count = 3, app = `app-${seq % 4}`, tenant = 'tenant-a'): IngesterPushRequest {
  const labels = labelsFromRecord({ app, job: 'wal-test' });
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({ ts: BASE_TS + BigInt(seq) * 1_000_000n + BigInt(i), line: `seq=${seq} i=${i} ü ${'x'.repeat(i % 7)}` });
  }
  return { tenant, streams: [{ labelString: labelsToString(labels), labels, entries }] };
}

/** Every entry an ingester holds in memory, flushed or not, as sorted comparable strings. */
export function ingesterContents(ingester: { readonly tenants: ReadonlyMap<string, TenantStreams> }): string[] {
  const out: string[] = [];
  for (const tenant of ingester.tenants.values()) for (const stream of tenant.streams.values()) {
    for (const slot of stream.allChunks()) {
      for (const entry of slot.chunk.iterate({ from: -(2n ** 63n), through: 2n ** 63n - 1n, direction: 'forward' })) {
        out.push(`${stream.tenant} ${stream.labelString} ${entry.ts} ${entry.line}`);
      }
    }
  }
  return out.sort();
}

/** The lines of a list of requests in the same form as ingesterContents. */
export function requestContents(requests: readonly IngesterPushRequest[]): string[] {
  const out: string[] = [];
  for (const request of requests) {
    for (const stream of request.streams) {
      for (const entry of stream.entries) out.push(`${request.tenant} ${stream.labelString} ${entry.ts} ${entry.line}`);
    }
  }
  return out.sort();
}
