// Opens the object store the config names and adapts the chunk store to the two ports the
// actors use: ingesters flush into a FlushTarget, queriers read through a ChunkSource.

import { join } from 'node:path';
import type { Logger } from 'pino';
import { ChunkStore, FsStore, S3Store, type ObjectStore } from '../../storage/mod.js';
import type { NornConfig } from '../config.js';
import type { FlushTarget } from '../../actors/ingester/flusher.js';
import type { ChunkSource } from '../../actors/querier/store-source.js';

export interface OpenStorage {
  readonly objects: ObjectStore;
  readonly chunks: ChunkStore;
  readonly flushTarget: FlushTarget;
  readonly chunkSource: ChunkSource;
  close(): Promise<void>;
}

export async function openStorage(config: NornConfig, logger: Logger): Promise<OpenStorage> {
  const { s3, dataDir, indexCacheMs } = config.storage;
  const objects: ObjectStore =
    s3 !== undefined
      ? new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region })
      : new FsStore(join(dataDir, 'chunks'));
  logger.info({ store: objects.description }, 'object storage');
  const chunks = new ChunkStore(objects, { listCacheTtlMs: indexCacheMs });
  return {
    objects,
    chunks,
    flushTarget: {
      async putChunk(tenant, labels, _labelString, encoded, from, through) {
        await chunks.putChunk(tenant, labels, encoded, { from, through });
      },
    },
    chunkSource: {
      streams: (tenant, from, through, filter) => chunks.index.streams(tenant, from, through, filter),
      fetch: (ref) => chunks.getChunk(ref),
      labelNames: (tenant, from, through) => chunks.index.labelNames(tenant, from, through),
      labelValues: (tenant, name, from, through) => chunks.index.labelValues(tenant, name, from, through),
    },
    async close() {},
  };
}
