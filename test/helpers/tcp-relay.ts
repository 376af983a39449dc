// A TCP relay on a loopback port that forwards every connection to one upstream address, and
// can break the path the way a network does. `pause()` is a black hole: no byte moves either
// way, but every socket stays open, so a client learns of it only when its pings time out (as
// behind a partitioned switch), not from a clean close. What was sent meanwhile is held (the
// relay stops reading, so the kernel buffers fill and the senders block) and flows again on
// `resume()`, as TCP retransmits once a short partition heals. A connection that one side closed
// during the pause is closed on the other side at `resume()`. `cut()` closes every connection
// at once, a clean reset that the client notices at once.

import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpRelay {
  /** The port clients connect to (on 127.0.0.1). */
  readonly port: number;
  readonly paused: boolean;
  /** Connections open now (client side). */
  readonly connections: number;
  /** Stops forwarding both ways; sockets stay open, new connections are accepted but get nothing. */
  pause(): void;
  /** Forwards again, held bytes first; closes what either side closed during the pause. */
  resume(): void;
  /** Destroys every open connection (both sides). */
  cut(): void;
  close(): Promise<void>;
}

export interface TcpRelayOptions {
  readonly upstreamHost?: string;
  readonly upstreamPort: number;
  /** The port to listen on (default: a free one). */
  readonly port?: number;
}

interface Pipe {
  readonly client: Socket;
  readonly upstream: Socket;
  /** A side closed while paused: close the pair at resume. */
  closedWhilePaused: boolean;
}

export async function startTcpRelay(options: TcpRelayOptions): Promise<TcpRelay> {
  const pipes = new Set<Pipe>();
  let paused = false;

  const destroy = (pipe: Pipe): void => {
    pipes.delete(pipe);
    pipe.client.destroy();
    pipe.upstream.destroy();
  };

  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: options.upstreamHost ?? '127.0.0.1', port: options.upstreamPort });
    const pipe: Pipe = { client, upstream, closedWhilePaused: false };
    pipes.add(pipe);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    if (paused) {
      client.pause();
      upstream.pause();
    }
    forward(client, upstream);
    forward(upstream, client);
    const onGone = (): void => {
      if (!pipes.has(pipe)) return;
      if (paused) pipe.closedWhilePaused = true;
      else destroy(pipe);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', onGone);
      socket.on('close', onGone);
    }
  });

  /** Writes what `from` reads to `to`, reading no further while `to` is backed up or the relay is paused. */
  function forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (!to.destroyed && !to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (!paused) from.resume();
        });
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('tcp relay: no listening address');

  return {
    port: address.port,
    get paused() {
      return paused;
    },
    get connections() {
      return pipes.size;
    },
    pause() {
      paused = true;
      for (const { client, upstream } of pipes) {
        client.pause();
        upstream.pause();
      }
    },
    resume() {
      paused = false;
      for (const pipe of [...pipes]) {
        if (pipe.closedWhilePaused) {
          // Let what was held reach the side still open, then close it, as a FIN after data would.
          pipe.client.resume();
          pipe.upstream.resume();
          setImmediate(() => destroy(pipe));
          continue;
        }
        pipe.client.resume();
        pipe.upstream.resume();
      }
    },
    cut() {
      for (const pipe of [...pipes]) destroy(pipe);
    },
    async close() {
      for (const pipe of [...pipes]) destroy(pipe);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
