// Streamed replies on NATS, both ends. The requester subscribes to its own inbox and sends the
// request with `Norn-Stream-Window`; the handler publishes `item` frames to that inbox and ends
// with `end` or `error`. Flow control is by credit: the handler keeps at most `window` items
// unacknowledged and waits for `ack` frames on its control inbox (named in the first item), so a
// slow consumer never makes the server drop messages; `cancel` there stops the producer.

import { createInbox, Empty, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { decode, encode } from './codec.js';
import { BusError, BusTimeoutError, NoRespondersError } from './errors.js';
import { FrameQueue, QUEUE_TIMED_OUT } from './frame-queue.js';
import { closeQuietly, describeThrown, toRemoteError } from './handler-result.js';
import type { BusLogger } from './logger.js';
import { fromPublishError } from './nats-errors.js';
import { FRAME, HEADER, errorHeaders, errorInfoOf, frameHeaders, frameOf, isNoRespondersStatus } from './nats-frames.js';

export const STREAM_WINDOW = 32;
const ACK_EVERY = 8;
const MAX_WINDOW = 1024;
/** A handler gives up on a silent requester after max(4 gaps, this): it has probably gone. */
const MIN_ABANDON_MS = 30_000;

export interface StreamContext {
  readonly nc: NatsConnection;
  readonly maxPayloadBytes: number;
  readonly logger: BusLogger;
}

export function isStreamRequest(request: Msg): boolean {
  return (request.headers?.get(HEADER.streamWindow) ?? '') !== '';
}

/** Handler side: sends `items` to the requester of `request` under credit flow control. */
export async function serveStream(ctx: StreamContext, request: Msg, items: AsyncIterator<unknown>): Promise<void> {
  const reply = request.reply as string;
  const window = clamp(numberHeader(request, HEADER.streamWindow) ?? STREAM_WINDOW, 1, MAX_WINDOW);
  const abandonAfterMs = Math.max(4 * (numberHeader(request, HEADER.gapTimeout) ?? 0), MIN_ABANDON_MS);
  const control = createInbox();
  let acked = 0;
  let cancelled = false;
  let wake: (() => void) | null = null;
  const sub = ctx.nc.subscribe(control, {
    callback: (error, msg) => {
      if (error !== null) return;
      if (frameOf(msg) === FRAME.cancel) cancelled = true;
      else if (frameOf(msg) === FRAME.ack) acked = Math.max(acked, numberHeader(msg, HEADER.seq) ?? 0);
      const resume = wake;
      wake = null;
      resume?.();
    },
  });
  const waitForCredit = (): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve(false);
      }, abandonAfterMs);
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  let seq = 0;
  try {
    for (;;) {
      while (!cancelled && seq - acked >= window) {
        if (!(await waitForCredit())) {
          ctx.logger.warn({ subject: request.subject, seq, acked }, 'stream requester stopped acknowledging; abandoning');
          cancelled = true;
        }
      }
      if (cancelled) break;
      const step = await items.next();
      if (step.done === true) {
        send(ctx, reply, Empty, frameHeaders(FRAME.end));
        return;
      }
      if (cancelled) break;
      seq += 1;
      const payload = encode(step.value, ctx.maxPayloadBytes);
      send(ctx, reply, payload, frameHeaders(FRAME.item, seq === 1 ? { [HEADER.seq]: seq, [HEADER.control]: control } : { [HEADER.seq]: seq }));
    }
    await closeQuietly(items);
  } catch (error) {
    trySend(ctx, reply, errorHeaders(describeThrown(error)));
    await closeQuietly(items);
  } finally {
    sub.unsubscribe();
  }
}

/** Requester side: one request, each item the handler streams back; gaps bounded by `timeoutMs`. */
export async function* requestStream<Res>(
  ctx: StreamContext,
  subject: string,
  payload: Uint8Array,
  timeoutMs: number,
): AsyncGenerator<Res> {
  const inbox = createInbox();
  const frames = new FrameQueue<Msg>();
  const sub = ctx.nc.subscribe(inbox, {
    callback: (error, msg) => {
      if (error === null) frames.push(msg);
    },
  });
  let control: string | undefined;
  let consumed = 0;
  let acked = 0;
  let finished = false;
  const ack = (): void => {
    acked = consumed;
    if (control !== undefined) trySend(ctx, control, frameHeaders(FRAME.ack, { [HEADER.seq]: consumed }));
  };
  try {
    send(ctx, subject, payload, frameHeaders('request', { [HEADER.streamWindow]: STREAM_WINDOW, [HEADER.gapTimeout]: timeoutMs }), inbox);
    for (;;) {
      if (frames.isEmpty && consumed > acked) ack();
      const msg = await frames.next(timeoutMs);
      if (msg === QUEUE_TIMED_OUT) throw new BusTimeoutError(subject, timeoutMs);
      const frame = frameOf(msg);
      if (isNoRespondersStatus(msg)) {
        finished = true;
        throw new NoRespondersError(subject);
      }
      if (frame === '') {
        // The handler answered with one value.
        finished = true;
        yield decode<Res>(msg.data);
        return;
      }
      if (frame === FRAME.end) {
        finished = true;
        return;
      }
      if (frame === FRAME.error) {
        finished = true;
        throw toRemoteError(subject, errorInfoOf(msg));
      }
      if (frame !== FRAME.item) throw new BusError('BUS_REMOTE', `unexpected frame "${frame}" in a stream from ${subject}`);
      control ??= msg.headers?.get(HEADER.control) || undefined;
      yield decode<Res>(msg.data);
      consumed += 1;
      if (consumed - acked >= ACK_EVERY) ack();
    }
  } finally {
    sub.unsubscribe();
    if (!finished && control !== undefined) trySend(ctx, control, frameHeaders(FRAME.cancel));
  }
}

function send(ctx: StreamContext, subject: string, data: Uint8Array, headers: MsgHdrs, reply?: string): void {
  try {
    ctx.nc.publish(subject, data, reply === undefined ? { headers } : { headers, reply });
  } catch (error) {
    throw fromPublishError(subject, data.length, ctx.maxPayloadBytes, error);
  }
}

/** For frames whose loss the other side survives (it times out or gives up). */
function trySend(ctx: StreamContext, subject: string, headers: MsgHdrs): void {
  try {
    ctx.nc.publish(subject, Empty, { headers });
  } catch (error) {
    ctx.logger.debug({ err: error, subject }, 'could not send a stream control frame');
  }
}

function numberHeader(msg: Msg, name: string): number | undefined {
  const value = Number.parseInt(msg.headers?.get(name) ?? '', 10);
  return Number.isFinite(value) ? value : undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
