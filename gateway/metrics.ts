// The edge's own metric: request durations by route, method and status, named and labelled as
// Loki's `loki_request_duration_seconds` (dskit's instrument middleware) but in Norn's namespace.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const REQUEST_DURATION_METRIC = 'norn_request_duration_seconds';

// dskit's default buckets for request durations.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100];

type Labels = 'method' | 'route' | 'status_code' | 'ws';

/** The histogram, registered once per registry (several servers may share one registry). */
export function requestDurationHistogram(registry: Registry): Histogram<Labels> {
  const existing = registry.getSingleMetric(REQUEST_DURATION_METRIC);
  if (existing instanceof Histogram) return existing as Histogram<Labels>;
  return new Histogram<Labels>({
    name: REQUEST_DURATION_METRIC,
    help: 'Time (in seconds) spent serving HTTP requests.',
    labelNames: ['method', 'route', 'status_code', 'ws'],
    buckets: BUCKETS,
    registers: [registry],
  });
}

/** Loki-style route name: `/loki/api/v1/label/:name/values` -> `loki_api_v1_label_name_values`. */
export function routeName(url: string | undefined): string {
  if (url === undefined || url === '') return 'notfound';
  const name = url.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return name === '' ? 'root' : name;
}

const startTimes = new WeakMap<FastifyRequest, bigint>();

export function instrumentRequests(app: FastifyInstance, histogram: Histogram<Labels>): void {
  app.addHook('onRequest', async (request) => {
    startTimes.set(request, process.hrtime.bigint());
  });
  app.addHook('onResponse', async (request, reply) => {
    const start = startTimes.get(request);
    if (start === undefined) return;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    histogram.observe(
      {
        method: request.method,
        route: routeName(request.routeOptions.url),
        status_code: String(reply.statusCode),
        ws: String(request.headers.upgrade?.toLowerCase() === 'websocket'),
      },
      seconds,
    );
  });
}

export interface TailMetrics {
  readonly active: Gauge;
  readonly droppedEntries: Counter;
}

/** Live tails open on this edge and the lines slow tail clients missed (Loki's `dropped_entries`). */
export function tailMetrics(registry: Registry): TailMetrics {
  const active = registry.getSingleMetric('norn_tail_active');
  const dropped = registry.getSingleMetric('norn_tail_dropped_entries_total');
  return {
    active: active instanceof Gauge ? active : new Gauge({ name: 'norn_tail_active', help: 'Live tails open.', registers: [registry] }),
    droppedEntries:
      dropped instanceof Counter
        ? dropped
        : new Counter({ name: 'norn_tail_dropped_entries_total', help: 'Tailed lines not delivered because the client could not keep up; reported to it as dropped_entries.', registers: [registry] }),
  };
}

