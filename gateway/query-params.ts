// Request parameters -> engine parameters, with Loki's defaults, validations and error texts
// (pkg/loghttp/params.go and query.go). All times are bigint nanoseconds.

import type { FastifyRequest } from 'fastify';
import type { Direction, QueryParams } from '../logql/types.js';
import type { TimeRange, VolumeOptions } from '../actors/querier/api.js';
import { parseGoInt64, parseIntError, parsePromDuration } from '../core/go/mod.js';
import { NS_PER_MS, NS_PER_SECOND } from '../core/model.js';
import { badRequest } from './errors.js';
import { parseSecondsOrDuration, parseTimestamp } from './time-format.js';

export const DEFAULT_LIMIT = 100;
export const DEFAULT_SINCE_NS = 3600n * NS_PER_SECOND;
export const MAX_POINTS_PER_SERIES = 11_000n;

export type Clock = () => bigint;
export const systemClock: Clock = () => BigInt(Date.now()) * NS_PER_MS;

/**
 * The request's parameters as Go's `r.Form` sees them: form-encoded body values first, then the
 * URL's query string, so `get` returns the body's value when both carry one.
 */
export function requestParams(request: FastifyRequest): URLSearchParams {
  const params = new URLSearchParams();
  const body = request.body;
  if (body instanceof URLSearchParams) for (const [key, value] of body) params.append(key, value);
  const queryIndex = request.url.indexOf('?');
  if (queryIndex >= 0) for (const [key, value] of new URLSearchParams(request.url.slice(queryIndex + 1))) params.append(key, value);
  return params;
}

function wrap<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw badRequest(`could not parse '${what}' parameter: ${(error as Error).message}`, error);
  }
}

function plain<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw badRequest((error as Error).message, error);
  }
}

/** Loki's `determineBounds`: end defaults to now, start to `since` (1h) before min(end, now). */
export function parseBounds(params: URLSearchParams, now: bigint): TimeRange {
  const sinceText = params.get('since') ?? '';
  const since = sinceText === '' ? DEFAULT_SINCE_NS : wrap('since', () => parsePromDuration(sinceText));
  const end = wrap('end', () => parseTimestamp(params.get('end') ?? '', now));
  const endOrNow = end > now ? now : end;
  const start = wrap('start', () => parseTimestamp(params.get('start') ?? '', endOrNow - since));
  return { start, end };
}

export function parseLimit(params: URLSearchParams): number {
  const text = params.get('limit') ?? '';
  if (text === '') return DEFAULT_LIMIT;
  let limit: number;
  try {
    limit = Number(parseGoInt64(text, 'Atoi'));
  } catch (error) {
    throw badRequest((error as Error).message, error);
  }
  // Beyond 2^53 a limit cannot be held exactly; no real limit comes near, so refuse it as Go would refuse 2^63.
  if (!Number.isSafeInteger(limit)) throw badRequest(parseIntError(text, 'value out of range', 'Atoi'));
  if (limit <= 0) throw badRequest('limit must be a positive value');
  return limit;
}

export function parseDirection(params: URLSearchParams): Direction {
  const text = params.get('direction') ?? '';
  if (text === '') return 'backward';
  const upper = text.toUpperCase();
  if (upper === 'FORWARD') return 'forward';
  if (upper === 'BACKWARD') return 'backward';
  throw badRequest(`invalid direction '${text}'`);
}

/** Loki's default step: max(floor(range / 250), 1) seconds. */
export function defaultStep(start: bigint, end: bigint): bigint {
  const seconds = Math.floor(Number(end - start) / 1e9 / 250);
  return BigInt(Math.max(seconds, 1)) * NS_PER_SECOND;
}

export function rangeQueryParams(tenant: string, params: URLSearchParams, now: bigint): QueryParams {
  const query = params.get('query') ?? '';
  const { start, end } = parseBounds(params, now);
  if (end < start) throw badRequest('end timestamp must not be before or equal to start time');
  const limit = parseLimit(params);
  const direction = parseDirection(params);
  const stepText = params.get('step') ?? '';
  const step = stepText === '' ? defaultStep(start, end) : plain(() => parseSecondsOrDuration(stepText));
  if (step <= 0n) throw badRequest('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((end - start) / step > MAX_POINTS_PER_SERIES) {
    throw badRequest('exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter');
  }
  const intervalText = params.get('interval') ?? '';
  const interval = intervalText === '' ? 0n : plain(() => parseSecondsOrDuration(intervalText));
  if (interval < 0n) throw badRequest('interval must be >= 0');
  return { tenant, query, start, end, step, interval, limit, direction, kind: 'range' };
}

export function instantQueryParams(tenant: string, params: URLSearchParams, now: bigint): QueryParams {
  const query = params.get('query') ?? '';
  const limit = parseLimit(params);
  const time = plain(() => parseTimestamp(params.get('time') ?? '', now));
  const direction = parseDirection(params);
  return { tenant, query, start: time, end: time, step: 0n, interval: 0n, limit, direction, kind: 'instant' };
}

/** `match[]` (Prometheus style) and `match`, as Loki's series endpoint accepts both. */
export function seriesMatchers(params: URLSearchParams): string[] {
  return [...params.getAll('match'), ...params.getAll('match[]')];
}

export function optionalQuery(params: URLSearchParams): string | undefined {
  const query = params.get('query') ?? '';
  return query === '' ? undefined : query;
}

/** `index/stats` and `index/volume` need a stream selector. */
export function requiredQuery(params: URLSearchParams): string {
  const query = optionalQuery(params);
  if (query === undefined) throw badRequest('query parameter is required');
  return query;
}

/** `limit` (default 100), `targetLabels` (comma separated) and `aggregateBy` of `index/volume`. */
export function volumeOptions(params: URLSearchParams): VolumeOptions {
  const targetLabels = (params.get('targetLabels') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const aggregateBy = params.get('aggregateBy') || 'series';
  if (aggregateBy !== 'series' && aggregateBy !== 'labels') {
    throw badRequest(`invalid aggregateBy '${aggregateBy}': must be series or labels`);
  }
  return { limit: parseLimit(params), targetLabels, aggregateBy };
}
