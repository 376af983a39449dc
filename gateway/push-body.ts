// A push body -> streams, the way Loki's `ParseLokiRequest` reads it: Content-Encoding first
// (none, snappy, gzip, deflate), then Content-Type: `application/json` is JSON, anything else
// is protobuf in snappy block format. Compressed and decompressed sizes are both capped.

import { promisify } from 'node:util';
import { gunzip, inflateRaw } from 'node:zlib';
import type { PushStreamInput } from '../actors/distributor/api.js';
import { goQuote } from '../core/go/mod.js';
import { HttpError, badRequest } from './errors.js';
import { decodeJsonPush, decodeLegacyJsonPush } from './push-json.js';
import { decodePushRequest, snappyUncompress } from './push-proto.js';

const gunzipAsync = promisify(gunzip);
const inflateRawAsync = promisify(inflateRaw);

export interface PushBodyOptions {
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  /** `/api/prom/push`: legacy JSON format. */
  readonly legacy: boolean;
  readonly maxBytes: number;
}

export function tooLarge(detail: string): HttpError {
  return new HttpError('HTTP_BODY_TOO_LARGE', `request body too large: ${detail}`);
}

/** Go's `mime.ParseMediaType`, reduced to what push needs: the lower-cased type/subtype. */
export function mediaType(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === '') throw badRequest('mime: no media type');
  const slash = type.indexOf('/');
  if (slash <= 0) throw badRequest('mime: expected slash after first token');
  if (slash === type.length - 1) throw badRequest('mime: expected token after slash');
  return type;
}

// `snappy` needs no step here: a protobuf body is always snappy-decoded below.
const SUPPORTED_ENCODINGS = new Set(['', 'snappy', 'gzip', 'deflate']);

async function decompress(body: Buffer, encoding: string, maxBytes: number): Promise<Buffer> {
  const inflate = encoding === 'gzip' ? gunzipAsync : encoding === 'deflate' ? inflateRawAsync : undefined;
  if (inflate === undefined) return body;
  try {
    return await inflate(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(`message decompressed size too large than max (>${maxBytes} vs ${maxBytes})`);
    }
    const what = encoding === 'gzip' ? 'gzip' : 'flate';
    throw badRequest(`${what}: ${(error as Error).message}`, error);
  }
}

export async function decodePushBody(body: Buffer, options: PushBodyOptions): Promise<PushStreamInput[]> {
  if (body.length > options.maxBytes) {
    throw tooLarge(`message size too large than max (${body.length} vs ${options.maxBytes})`);
  }
  const encoding = options.contentEncoding ?? '';
  if (!SUPPORTED_ENCODINGS.has(encoding)) throw badRequest(`Content-Encoding ${goQuote(encoding)} not supported`);
  const type = mediaType(options.contentType);
  const raw = await decompress(body, encoding, options.maxBytes);
  try {
    if (type === 'application/json') {
      const text = raw.toString('utf8');
      return options.legacy ? decodeLegacyJsonPush(text) : decodeJsonPush(text);
    }
    return decodePushRequest(snappyUncompress(raw, options.maxBytes));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw badRequest(messageForProto(error), error);
  }
}

function messageForProto(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.startsWith('snappy:') || message.startsWith('proto:') ? message : `proto: ${message}`;
}
