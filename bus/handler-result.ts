// What crosses the bus when a handler answers: the thrown error reduced to message, code and
// status (so a coded error survives any transport), and the test for a streamed answer.

import { RemoteError } from './errors.js';

export interface ThrownErrorInfo {
  readonly message: string;
  readonly code?: string;
  readonly status?: number;
}

/** The remote code a requester sees when `request` reaches a handler that answered a stream. */
export const UNEXPECTED_STREAM_CODE = 'BUS_UNEXPECTED_STREAM';

export function describeThrown(error: unknown): ThrownErrorInfo {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { message, code, status } = error as { message?: unknown; code?: unknown; status?: unknown };
  return {
    message: typeof message === 'string' && message !== '' ? message : String(error),
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    ...(typeof status === 'number' && Number.isFinite(status) ? { status } : {}),
  };
}

export function toRemoteError(subject: string, info: ThrownErrorInfo): RemoteError {
  return new RemoteError(subject, info.message, info.code, info.status);
}

export function unexpectedStream(subject: string): ThrownErrorInfo {
  return {
    message: `the handler on ${subject} answered with a stream; call requestStream for it`,
    code: UNEXPECTED_STREAM_CODE,
  };
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/** Stops a handler's iterator whose items nobody will read. */
export async function closeQuietly(items: AsyncIterator<unknown>): Promise<void> {
  try {
    await items.return?.();
  } catch {
    // The producer failed while stopping; nobody is waiting for its items any more.
  }
}
