// Turns nats.js failures into the bus's coded errors, keeping the original as `cause`.

import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  NoRespondersError as NatsNoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import { errorMessage } from '../core/errors.js';
import { payloadTooLarge } from './codec.js';
import { BusError, BusTimeoutError, KvConflictError, NoRespondersError } from './errors.js';

export function isMaxPayloadError(error: unknown): boolean {
  return error instanceof InvalidArgumentError && error.message.includes('max_payload');
}

function isClosedError(error: unknown): boolean {
  return error instanceof ClosedConnectionError || error instanceof DrainingConnectionError;
}

/** A failed publish: too large for the server, the connection closed, or something else. */
export function fromPublishError(subject: string, size: number, maxBytes: number, error: unknown): BusError {
  if (error instanceof BusError) return error;
  if (isMaxPayloadError(error)) return payloadTooLarge(size, maxBytes, error);
  if (isClosedError(error)) return new BusError('BUS_CLOSED', 'the nats connection is closed', { cause: error });
  return new BusError('BUS_CONNECTION', `publish on ${subject} failed: ${errorMessage(error)}`, { cause: error });
}

export function fromRequestError(subject: string, timeoutMs: number, size: number, maxBytes: number, error: unknown): BusError {
  if (error instanceof TimeoutError) return new BusTimeoutError(subject, timeoutMs, { cause: error });
  if (error instanceof NatsNoRespondersError || (error instanceof RequestError && error.isNoResponders())) {
    return new NoRespondersError(subject, { cause: error });
  }
  return fromPublishError(subject, size, maxBytes, error);
}

export function fromKvError(bucket: string, key: string, error: unknown): BusError {
  if (error instanceof BusError) return error;
  if (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  ) {
    return new KvConflictError(bucket, key, { cause: error });
  }
  if (isMaxPayloadError(error)) return new BusError('BUS_PAYLOAD', `kv ${bucket}/${key}: value exceeds the server's max_payload`, { cause: error });
  if (isClosedError(error)) return new BusError('BUS_CLOSED', 'the nats connection is closed', { cause: error });
  return new BusError('KV_ERROR', `kv ${bucket}${key === '' ? '' : `/${key}`}: ${errorMessage(error)}`, { cause: error });
}
