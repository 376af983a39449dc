// The S3 object store, through the MinIO client (MinIO in the compose cluster, any S3 in
// production). Path-style requests, so bucket names need no DNS; the bucket is created on first
// use when missing. Network failures, timeouts and S3 errors become StorageError
// STORAGE_UNAVAILABLE with the original as `cause`; a missing key is ObjectNotFoundError.

import type { Readable } from 'node:stream';
import { Client } from 'minio';
import { validateListPrefix, validateObjectKey, sortByKey } from './keys.js';
import { ObjectNotFoundError, StorageError, type ObjectInfo, type ObjectStore } from './object-store.js';
import { checkRange } from './range.js';

export interface S3StoreOptions {
  /** `http://host:port` or `https://host[:port]`. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Default `us-east-1`; setting it spares the client a bucket-location lookup. */
  readonly region?: string;
  /** Per operation, body transfer included. Default 30 s. */
  readonly requestTimeoutMs?: number;
}

export interface S3Endpoint {
  readonly host: string;
  readonly port: number;
  readonly useSSL: boolean;
}

export function parseS3Endpoint(endpoint: string): S3Endpoint {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (cause) {
    throw new StorageError('STORAGE_UNAVAILABLE', `invalid S3 endpoint ${JSON.stringify(endpoint)}: not a URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StorageError('STORAGE_UNAVAILABLE', `invalid S3 endpoint ${JSON.stringify(endpoint)}: use http:// or https://`);
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.username !== '') {
    throw new StorageError('STORAGE_UNAVAILABLE', `invalid S3 endpoint ${JSON.stringify(endpoint)}: only scheme, host and port`);
  }
  const useSSL = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port === '' ? (useSSL ? 443 : 80) : Number(url.port), useSSL };
}

const LIST_PAGE_SIZE = 1000;
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound']);
const INVALID_NAME_ERRORS = new Set(['InvalidObjectNameError', 'InvalidBucketNameError']);
const BUCKET_GONE_CODES = new Set(['NoSuchBucket']);
const MAX_ATTEMPTS = 3;
const RETRY_BASE_MS = 50;
/** Connection-level failures: the request may not have reached the server, or its answer was cut. */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
/** S3's own "try again" answers. */
const TRANSIENT_S3_CODES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout']);

export class S3Store implements ObjectStore {
  readonly description: string;
  readonly bucket: string;
  private readonly client: Client;
  private readonly region: string;
  private readonly timeoutMs: number;
  private bucketReady: Promise<void> | undefined;

  constructor(options: S3StoreOptions) {
    const { host, port, useSSL } = parseS3Endpoint(options.endpoint);
    this.bucket = options.bucket;
    this.region = options.region ?? 'us-east-1';
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.description = `s3:${options.bucket}@${options.endpoint}`;
    this.client = new Client({
      endPoint: host,
      port,
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: this.region,
      pathStyle: true,
    });
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    validateObjectKey(key);
    const body = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.run('put', key, () =>
      this.client.putObject(this.bucket, key, body, body.length, { 'Content-Type': 'application/octet-stream' }),
    );
  }

  async get(key: string): Promise<Uint8Array> {
    validateObjectKey(key);
    return this.run('get', key, async () => readAll(await this.client.getObject(this.bucket, key)));
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    validateObjectKey(key);
    checkRange(offset, length);
    return this.run('getRange', key, async () => {
      // The client reads length 0 as "to the end", so an empty range only checks existence.
      if (length === 0) {
        await this.client.statObject(this.bucket, key);
        return Buffer.alloc(0);
      }
      try {
        return await readAll(await this.client.getPartialObject(this.bucket, key, offset, length));
      } catch (error) {
        if (errorCode(error) === 'InvalidRange') return Buffer.alloc(0);
        throw error;
      }
    });
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validateListPrefix(prefix);
    return this.run('list', prefix, async () => {
      // Pages follow `start-after` (the last key seen) rather than continuation tokens: every S3
      // accepts it, and s3rver's tokens need a cipher Node 20's OpenSSL no longer ships.
      const out: ObjectInfo[] = [];
      let startAfter = '';
      for (;;) {
        const page = await this.client.listObjectsV2Query(this.bucket, prefix, '', '', LIST_PAGE_SIZE, startAfter);
        for (const item of page.objects) {
          if (item.name !== undefined) out.push({ key: decodeCharacterReferences(item.name), size: item.size });
        }
        const last = page.objects[page.objects.length - 1]?.name;
        if (!page.isTruncated || last === undefined) break;
        startAfter = last;
      }
      return sortByKey(out);
    });
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key);
    await this.run('delete', key, async () => {
      try {
        await this.client.removeObject(this.bucket, key);
      } catch (error) {
        if (!NOT_FOUND_CODES.has(errorCode(error) ?? '')) throw error;
      }
    });
  }

  private ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      if (await this.client.bucketExists(this.bucket)) return;
      try {
        await this.client.makeBucket(this.bucket, this.region);
      } catch (error) {
        const code = errorCode(error);
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
      }
    })().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw error;
    });
    return this.bucketReady;
  }

  private async run<T>(op: string, key: string, action: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StorageError('STORAGE_UNAVAILABLE', `${this.description}: ${op} ${key}: timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([this.withRetries(action), timeout]);
    } catch (error) {
      throw this.failure(op, key, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Every operation here is idempotent (a put replaces the whole object), so a dropped connection
   * or a 5xx is tried again, as S3's own SDKs do, within the operation's one timeout.
   */
  private async withRetries<T>(action: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ensureBucket();
        return await action();
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isTransient(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random())));
      }
    }
  }

  private failure(op: string, key: string, error: unknown): StorageError {
    if (error instanceof StorageError) return error;
    const code = errorCode(error);
    if (code !== undefined && NOT_FOUND_CODES.has(code)) return new ObjectNotFoundError(key, { cause: error });
    if (code !== undefined && BUCKET_GONE_CODES.has(code)) this.bucketReady = undefined;
    const name = error instanceof Error ? error.name : '';
    const reason = error instanceof Error ? error.message || code || name : String(error);
    if (INVALID_NAME_ERRORS.has(name)) {
      return new StorageError('INVALID_KEY', `${this.description}: ${op} ${key}: ${reason}`, { cause: error });
    }
    return new StorageError('STORAGE_UNAVAILABLE', `${this.description}: ${op} ${key}: ${reason}`, { cause: error });
  }
}

/**
 * The client asks for URL-encoded keys in listings and decodes them; a server that ignores the
 * request (s3rver) sends XML character references such as `&#x27;` that the client's XML parser
 * leaves in place. Keys built by keys.ts never contain `&`, so decoding them is safe here.
 */
function decodeCharacterReferences(key: string): string {
  if (!key.includes('&#')) return key;
  return key.replace(/&#(x[0-9a-fA-F]+|[0-9]+);/g, (_, code: string) =>
    String.fromCodePoint(code.startsWith('x') ? parseInt(code.slice(1), 16) : parseInt(code, 10)),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isTransient(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && (TRANSIENT_NETWORK_CODES.has(code) || TRANSIENT_S3_CODES.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  // Node's http client reports a response cut mid-body as "aborted" and a closed socket as "socket hang up";
  // the MinIO client, once its own single retry of a 5xx has failed, throws a plain Error naming the status.
  return message === 'aborted' || message === 'socket hang up' || message.includes('Retryable HTTP status: 5');
}
