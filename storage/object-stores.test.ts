import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startS3Server, type S3ServerHandle } from '../test/helpers/s3-server.js';
import { FsStore } from './fs-store.js';
import { MemoryStore } from './memory-store.js';
import { objectStoreContract } from './testing/object-store-contract.js';
import { S3Store } from './s3-store.js';

objectStoreContract('memory', { create: async () => new MemoryStore() });

const fsRoot = mkdtempSync(path.join(tmpdir(), 'norn-fs-contract-'));
let fsCount = 0;
afterAll(() => rmSync(fsRoot, { recursive: true, force: true }));
objectStoreContract('filesystem', { create: async () => new FsStore(path.join(fsRoot, String(fsCount++)), { fsync: false }) });

let server: S3ServerHandle;
let bucketCount = 0;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server.close();
});
objectStoreContract('s3 (s3rver)', {
  create: async () =>
    new S3Store({
      endpoint: server.endpoint,
      bucket: `contract-${bucketCount++}`,
      accessKey: server.accessKey,
      secretKey: server.secretKey,
    }),
});
