import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';

describe('startNatsServer', () => {
  let server: NatsServerHandle;

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server?.dispose();
  });

  it('serves JetStream on loopback with an 8 MiB max_payload', async () => {
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const nc = await connect({ servers: server.url });
    try {
      expect(nc.info?.max_payload).toBe(8 * 1024 * 1024);
      expect(nc.info?.jetstream).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it('restarts on the same port', async () => {
    const { port } = server;
    await server.restart();
    expect(server.port).toBe(port);
    const nc = await connect({ servers: server.url });
    expect(nc.info?.port).toBe(port);
    await nc.close();
  });

  it('answers nothing while paused, and resumes', async () => {
    const nc = await connect({ servers: server.url });
    try {
      await server.pause();
      const flushed = nc.flush().then(() => 'flushed');
      const waited = new Promise((resolve) => setTimeout(resolve, 300, 'still waiting'));
      expect(await Promise.race([flushed, waited])).toBe('still waiting');
      await server.resume();
      expect(await flushed).toBe('flushed');
    } finally {
      await server.resume();
      await nc.close();
    }
  });

  it('refuses connections once stopped', async () => {
    await server.stop();
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow();
    await server.restart();
  });
});
