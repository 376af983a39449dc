// The TCP relay against a real echo server on loopback: bytes flow through it, a pause holds
// them without closing anything (a black hole), a resume delivers what was held, a close on
// one side during the pause reaches the other side only at the resume, and a cut closes all.

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTcpRelay, type TcpRelay } from './tcp-relay.js';

let echo: Server;
let echoPort: number;
let serverSockets: Socket[];
let relay: TcpRelay;

beforeEach(async () => {
  serverSockets = [];
  echo = createServer((socket) => {
    serverSockets.push(socket);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  echoPort = (echo.address() as { port: number }).port;
  relay = await startTcpRelay({ upstreamPort: echoPort });
});

afterEach(async () => {
  await relay.close();
  for (const socket of serverSockets) socket.destroy();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

interface Client {
  readonly socket: Socket;
  received(): string;
  closed(): boolean;
  waitFor(text: string): Promise<void>;
}

async function connect(): Promise<Client> {
  const socket = createConnection({ host: '127.0.0.1', port: relay.port });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let data = '';
  let closed = false;
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
    for (const waiter of waiters.splice(0)) waiter();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  return {
    socket,
    received: () => data,
    closed: () => closed,
    waitFor: async (text) => {
      while (!data.includes(text)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/** Lets the event loop turn a few times, so bytes that could move have moved. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('tcp relay', () => {
  it('forwards both ways', async () => {
    const client = await connect();
    client.socket.write('hello');
    await client.waitFor('hello');
    expect(relay.connections).toBe(1);
  });

  it('holds bytes while paused without closing the connection, and delivers them on resume', async () => {
    const client = await connect();
    client.socket.write('one;');
    await client.waitFor('one;');
    relay.pause();
    client.socket.write('two;');
    await settle();
    expect(client.received()).toBe('one;');
    expect(client.closed()).toBe(false);
    expect(relay.paused).toBe(true);
    relay.resume();
    await client.waitFor('two;');
    expect(client.received()).toBe('one;two;');
  });

  it('passes a close from upstream during a pause on only at the resume', async () => {
    const client = await connect();
    client.socket.write('x');
    await client.waitFor('x');
    relay.pause();
    for (const socket of serverSockets) socket.destroy();
    await settle();
    expect(client.closed()).toBe(false);
    relay.resume();
    while (!client.closed()) await settle();
    expect(relay.connections).toBe(0);
  });

  it('accepts a new connection while paused but forwards nothing until the resume', async () => {
    relay.pause();
    const client = await connect();
    client.socket.write('late');
    await settle();
    expect(client.received()).toBe('');
    relay.resume();
    await client.waitFor('late');
  });

  it('cut closes every connection', async () => {
    const first = await connect();
    const second = await connect();
    first.socket.write('a');
    second.socket.write('b');
    await Promise.all([first.waitFor('a'), second.waitFor('b')]);
    relay.cut();
    while (!first.closed() || !second.closed()) await settle();
    expect(relay.connections).toBe(0);
  });
});
