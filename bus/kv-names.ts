// Bucket and key rules shared by both transports, so a name that fails on NATS fails the same
// way in-process. Keys may be any non-empty string: the NATS transport encodes them into valid
// KV keys (see `encodeToken`).

import { BusError } from './errors.js';

const BUCKET_NAME = /^[A-Za-z0-9_-]+$/;

export function assertBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket)) {
    throw new BusError('KV_ERROR', `invalid kv bucket name "${bucket}": use letters, digits, "-" and "_"`);
  }
}

export function assertKey(bucket: string, key: string): void {
  if (typeof key !== 'string' || key === '') {
    throw new BusError('KV_ERROR', `kv ${bucket}: keys must be non-empty strings`);
  }
}

export function assertRevision(bucket: string, key: string, revision: number): void {
  if (!Number.isSafeInteger(revision) || revision <= 0) {
    throw new BusError('KV_ERROR', `kv ${bucket}/${key}: expected revision must be a positive integer, got ${revision}`);
  }
}
