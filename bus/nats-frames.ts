// Header names and frames of Norn's request/reply protocol on NATS (see README.md). A plain
// reply (no `Norn-Frame` header) is one msgpack value; every other frame says what it is in
// `Norn-Frame`, and errors travel in headers so a requester needs no decoder to read them.

import { headers, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import type { ThrownErrorInfo } from './handler-result.js';

export const HEADER = {
  frame: 'Norn-Frame',
  /** On a request: the requester takes a stream, with this many unacknowledged items in flight. */
  streamWindow: 'Norn-Stream-Window',
  /** On a stream request: the requester's per-gap timeout, so the handler knows when to give up. */
  gapTimeout: 'Norn-Gap-Timeout',
  /** On stream items: the subject where the requester sends acks and cancel. */
  control: 'Norn-Control',
  seq: 'Norn-Seq',
  errorCode: 'Norn-Error-Code',
  errorStatus: 'Norn-Error-Status',
  errorMessage: 'Norn-Error',
} as const;

export const FRAME = {
  item: 'item',
  end: 'end',
  error: 'error',
  ack: 'ack',
  cancel: 'cancel',
} as const;

const MAX_ERROR_MESSAGE = 2048;

export function frameHeaders(frame: string, extra: Record<string, string | number> = {}): MsgHdrs {
  const h = headers();
  h.set(HEADER.frame, frame);
  for (const [name, value] of Object.entries(extra)) h.set(name, String(value));
  return h;
}

export function errorHeaders(info: ThrownErrorInfo): MsgHdrs {
  const h = frameHeaders(FRAME.error);
  h.set(HEADER.errorMessage, headerSafe(info.message).slice(0, MAX_ERROR_MESSAGE));
  if (info.code !== undefined) h.set(HEADER.errorCode, headerSafe(info.code));
  if (info.status !== undefined) h.set(HEADER.errorStatus, String(info.status));
  return h;
}

export function frameOf(msg: Msg): string {
  return msg.headers?.get(HEADER.frame) ?? '';
}

export function errorInfoOf(msg: Msg): ThrownErrorInfo {
  const h = msg.headers;
  const code = h?.get(HEADER.errorCode) ?? '';
  const status = Number.parseInt(h?.get(HEADER.errorStatus) ?? '', 10);
  return {
    message: h?.get(HEADER.errorMessage) || 'remote handler failed',
    ...(code !== '' ? { code } : {}),
    ...(Number.isFinite(status) ? { status } : {}),
  };
}

/** The server's "no responders" status (503 with an empty body) on a request's reply subject. */
export function isNoRespondersStatus(msg: Msg): boolean {
  return msg.data.length === 0 && msg.headers?.code === 503;
}

/** Header values are single lines. */
function headerSafe(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
}
