// The canary's live read: Loki's tail websocket over the canary's stream, opened again after
// any close, each time from the last timestamp received.

import WebSocket from 'ws';

export interface TailReaderOptions {
  readonly addr: string;
  readonly query: string;
  readonly startNs: bigint;
  readonly headers: Readonly<Record<string, string>>;
  readonly delayForSeconds: number;
  onLine(line: string, tsNs: bigint): void;
  onReconnect(): void;
  onError(message: string): void;
}

export class TailReader {
  private socket: WebSocket | undefined;
  private closed = false;
  private lastNs: bigint;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TailReaderOptions) {
    this.lastNs = options.startNs - 1n;
  }

  start(): void {
    this.connect(false);
  }

  private connect(again: boolean): void {
    if (this.closed) return;
    if (again) this.options.onReconnect();
    const url = new URL('/loki/api/v1/tail', this.options.addr);
    url.searchParams.set('query', this.options.query);
    url.searchParams.set('start', String(this.lastNs + 1n));
    url.searchParams.set('limit', '1000');
    // A line stamped by its writer can reach the server after a tail has looked past its
    // time; the server holds each batch back this long so such lines are still delivered.
    url.searchParams.set('delay_for', String(this.options.delayForSeconds));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, { headers: { ...this.options.headers } });
    this.socket = socket;
    socket.on('message', (data: Buffer) => {
      let message: { streams?: Array<{ values: Array<[string, string]> }> };
      try {
        message = JSON.parse(data.toString('utf8')) as typeof message;
      } catch {
        return;
      }
      for (const stream of message.streams ?? []) {
        for (const [ts, line] of stream.values) {
          const tsNs = BigInt(ts);
          if (tsNs > this.lastNs) this.lastNs = tsNs;
          this.options.onLine(line, tsNs);
        }
      }
    });
    socket.on('unexpected-response', (_request, response) => {
      this.options.onError(`tail answered ${response.statusCode}`);
      socket.terminate();
    });
    socket.on('error', (error) => this.options.onError(`tail: ${error.message}`));
    socket.on('close', () => {
      if (this.closed) return;
      this.timer = setTimeout(() => this.connect(true), 1000);
    });
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
  }
}
