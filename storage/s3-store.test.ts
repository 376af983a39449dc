import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnS3Server, startS3Server, type S3ServerHandle } from '../test/helpers/s3-server.js';
import { StorageError } from './object-store.js';
import { storageErrorOf } from './testing/storage-error.js';
import { parseS3Endpoint, S3Store } from './s3-store.js';

describe('parseS3Endpoint', () => {
  it('reads scheme, host and port', () => {
    expect(parseS3Endpoint('http://127.0.0.1:9000')).toEqual({ host: '127.0.0.1', port: 9000, useSSL: false });
    expect(parseS3Endpoint('https://s3.eu-west-1.amazonaws.com')).toEqual({ host: 's3.eu-west-1.amazonaws.com', port: 443, useSSL: true });
    expect(parseS3Endpoint('http://minio/')).toEqual({ host: 'minio', port: 80, useSSL: false });
    expect(parseS3Endpoint('https://[::1]:9443')).toEqual({ host: '::1', port: 9443, useSSL: true });
  });

  it('refuses what it cannot use', () => {
    for (const bad of ['minio:9000', 'ftp://host', 'http://host:9000/bucket', 'not a url', 'http://user:pw@host']) {
      expect(() => parseS3Endpoint(bad), bad).toThrow(StorageError);
    }
  });
});

describe('S3Store against s3rver', () => {
  let server: S3ServerHandle;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    await server.close();
  });
  const store = (bucket = server.bucket, overrides: Partial<ConstructorParameters<typeof S3Store>[0]> = {}) =>
    new S3Store({ endpoint: server.endpoint, bucket, accessKey: server.accessKey, secretKey: server.secretKey, ...overrides });

  it('creates its bucket on first use', async () => {
    const s3 = store('created-on-demand');
    await s3.put('k', Buffer.from('v'));
    expect(Buffer.from(await s3.get('k')).toString()).toBe('v');
    expect(s3.description).toBe(`s3:created-on-demand@${server.endpoint}`);
    // A second client on the same bucket finds it already there.
    expect(Buffer.from(await store('created-on-demand').get('k')).toString()).toBe('v');
  });

  it('reports an outage as STORAGE_UNAVAILABLE with the cause, and recovers', async () => {
    const s3 = store();
    await s3.put('outage/k', Buffer.from('before'));
    await server.stop();
    try {
      const error = await storageErrorOf(s3.get('outage/k'));
      expect(error.code).toBe('STORAGE_UNAVAILABLE');
      expect(error.cause).toBeDefined();
      expect(error.message).toContain('get outage/k');
      expect((await storageErrorOf(s3.put('outage/k2', Buffer.from('x')))).code).toBe('STORAGE_UNAVAILABLE');
      expect((await storageErrorOf(s3.list('outage/'))).code).toBe('STORAGE_UNAVAILABLE');
    } finally {
      await server.start();
    }
    expect(Buffer.from(await s3.get('outage/k')).toString()).toBe('before');
  });

  it('reports bad credentials as STORAGE_UNAVAILABLE', async () => {
    const s3 = store('creds', { accessKey: 'NOBODY', secretKey: 'wrong' });
    const error = await storageErrorOf(s3.put('k', Buffer.from('v')));
    expect(error.code).toBe('STORAGE_UNAVAILABLE');
  });

  it('times out a server that never answers', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const s3 = new S3Store({ endpoint: `http://127.0.0.1:${port}`, bucket: 'silent', accessKey: 'a', secretKey: 's', requestTimeoutMs: 300 });
      const error = await storageErrorOf(s3.get('k'));
      expect(error.code).toBe('STORAGE_UNAVAILABLE');
      expect(error.message).toMatch(/timed out after 300 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('tries a request again when the connection is cut mid-answer, and gives up on a lasting cut', async () => {
    const s3 = store();
    const payload = Buffer.alloc(64 * 1024, 'x');
    await s3.put('cut/k', payload);
    const target = new URL(server.endpoint);
    // A TCP relay that cuts the next `cutNext` answers after their first bytes (connections are
    // kept alive, so an answer is recognised by its status line).
    let cutNext = 0;
    const relay: Server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (cutNext > 0 && chunk.subarray(0, 5).toString() === 'HTTP/') {
          cutNext--;
          client.end(chunk.subarray(0, Math.min(chunk.length, 200)));
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
    const port = (relay.address() as { port: number }).port;
    try {
      const relayed = new S3Store({ endpoint: `http://127.0.0.1:${port}`, bucket: server.bucket, accessKey: server.accessKey, secretKey: server.secretKey });
      expect((await relayed.list('cut/')).map((o) => o.key)).toEqual(['cut/k']);
      cutNext = 1;
      expect(Buffer.from(await relayed.get('cut/k')).equals(payload)).toBe(true);
      expect(cutNext).toBe(0);
      cutNext = 100;
      const error = await storageErrorOf(relayed.get('cut/k'));
      expect(error.code).toBe('STORAGE_UNAVAILABLE');
      // Three attempts, then the error: the rest of the cuts are still pending.
      expect(cutNext).toBe(97);
    } finally {
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  it('tries a request again after the server answers 500 to it and to the client\'s own retry', async () => {
    const s3 = store();
    await s3.put('five/k', Buffer.from('v'));
    const target = new URL(server.endpoint);
    let failNext = 0;
    // An HTTP proxy that answers the next `failNext` requests with S3's InternalError.
    const proxy = createHttpServer((incoming, answer) => {
      if (failNext > 0) {
        failNext--;
        incoming.resume();
        answer.writeHead(500, { 'content-type': 'application/xml' });
        answer.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>try again</Message></Error>');
        return;
      }
      const forward = httpRequest(
        { host: target.hostname, port: Number(target.port), method: incoming.method, path: incoming.url, headers: incoming.headers },
        (upstream) => {
          answer.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(answer);
        },
      );
      incoming.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    const port = (proxy.address() as { port: number }).port;
    try {
      const proxied = new S3Store({ endpoint: `http://127.0.0.1:${port}`, bucket: server.bucket, accessKey: server.accessKey, secretKey: server.secretKey });
      expect((await proxied.list('five/')).map((o) => o.key)).toEqual(['five/k']);
      failNext = 2;
      expect((await proxied.list('five/')).map((o) => o.key)).toEqual(['five/k']);
      expect(failNext).toBe(0);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe('the S3 server as a separate process', () => {
  it('serves, dies on SIGKILL, and comes back with its data', async () => {
    const proc = await spawnS3Server({ bucket: 'proc' });
    try {
      const s3 = new S3Store({ endpoint: proc.endpoint, bucket: proc.bucket, accessKey: proc.accessKey, secretKey: proc.secretKey, requestTimeoutMs: 5_000 });
      await s3.put('t/k', Buffer.from('durable'));
      const port = proc.port;
      await proc.kill('SIGKILL');
      expect((await storageErrorOf(s3.get('t/k'))).code).toBe('STORAGE_UNAVAILABLE');
      await proc.restart();
      expect(proc.port).toBe(port);
      expect(Buffer.from(await s3.get('t/k')).toString()).toBe('durable');
    } finally {
      await proc.close();
    }
  });
});
