// Opens the object store the config names and adapts the chunk store to the two ports the
// actors use: ingesters flush into a FlushTarget, queriers read through a ChunkSource. The store
// is probed at start and every 15 s (app/storage-probe.ts); `health` feeds `/ready`. Its stop
// step only ends the probe: the file store opens and closes a handle per call, and the S3 client
// sends through Node's global HTTP agent, so nothing else outlives a request. A damaged chunk or
// index object a read comes across is logged with its key and counted (docs/operations.md,
// "Protections").

import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { ChunkStore, FsStore, S3Store, type CorruptObject, type ObjectStore } from '../../storage/mod.js';
import type { NornConfig } from '../config.js';
import type { FlushTarget } from '../../actors/ingester/flusher.js';
import type { ChunkSource } from '../../actors/querier/store-source.js';
import { makeDirectory } from '../data-dir-lock.js';
import { ConfigError } from '../config-file.js';
import { watchStorage, type StorageHealth } from '../storage-probe.js';

export interface OpenStorage {
  readonly objects: ObjectStore;
  readonly chunks: ChunkStore;
  readonly flushTarget: FlushTarget;
  readonly chunkSource: ChunkSource;
  readonly health: StorageHealth;
}

export async function openStorage(config: NornConfig, logger: Logger, registry: Registry): Promise<OpenStorage> {
  const { s3, dataDir, indexCacheMs } = config.storage;
  const objects: ObjectStore =
    s3 !== undefined
      ? new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region })
      : new FsStore(join(dataDir, 'chunks'));
  if (s3 === undefined) {
    // Created here, one level at a time: a directory that can never exist is a clear error at start.
    try {
      makeDirectory(join(dataDir, 'chunks'));
    } catch (error) {
      throw new ConfigError(`cannot create data directory ${dataDir}: ${(error as Error).message}`, { cause: error });
    }
  }
  logger.info({ store: objects.description }, 'object storage');
  const health = await watchStorage(objects, { name: `${config.id}-${process.pid}`, logger });
  const staleListings = new Counter({
    name: 'norn_storage_stale_index_listings_total',
    help: 'Index listings answered with one read earlier because the object store could not be listed.',
    registers: [registry],
  });
  const chunks = new ChunkStore(objects, {
    listCacheTtlMs: indexCacheMs,
    onCorrupt: corruptionReporter(logger, registry),
    // A chunk flushed after the older listing was read is still in the ingesters' memory for
    // their retain period, so a listing that young misses no line (docs/operations.md).
    staleListingMaxAgeMs: config.ingester.retainFlushedMs,
    onStaleListing: (prefix, error) => {
      staleListings.inc();
      logger.warn({ prefix, err: error }, 'object store cannot be listed: answering with an earlier listing');
    },
  });
  return {
    objects,
    chunks,
    health,
    flushTarget: {
      async putChunk(tenant, labels, encoded, from, through) {
        await chunks.putChunk(tenant, labels, encoded, { from, through });
      },
    },
    chunkSource: {
      streams: (tenant, from, through, filter) => chunks.index.streams(tenant, from, through, filter),
      fetch: (ref) => chunks.getChunk(ref),
      labelNames: (tenant, from, through) => chunks.index.labelNames(tenant, from, through),
      labelValues: (tenant, name, from, through) => chunks.index.labelValues(tenant, name, from, through),
    },
  };
}

/** Logs and counts each damaged object a read found: the key tells the operator what to restore or delete. */
function corruptionReporter(logger: Logger, registry: Registry): (found: CorruptObject) => void {
  const registers = [registry];
  const chunks = new Counter({ name: 'norn_storage_corrupt_chunks_total', help: 'Stored chunks read whose bytes do not match their key (checksum) or do not decode.', registers });
  const index = new Counter({ name: 'norn_storage_corrupt_index_objects_total', help: 'Damaged index objects (labels, compacted generations) skipped by reads.', registers });
  return ({ kind, key, error }) => {
    if (kind === 'chunk') {
      chunks.inc();
      logger.warn({ key, err: error }, 'corrupt chunk');
    } else {
      index.inc();
      logger.warn({ key, err: error }, 'corrupt index object skipped');
    }
  };
}
