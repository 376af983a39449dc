// `norn query --tail`: live tail over Loki's websocket (`/loki/api/v1/tail`). Entries print as
// they arrive; a dropped connection is re-opened from the last timestamp seen, so a restart of
// the server costs a gap in time, not the command. SIGINT ends it with exit code 0.

import WebSocket from 'ws';
import type { LokiClient } from './client.js';
import { RequestError, ServerError } from './errors.js';
import type { Io } from './io.js';
import { entryPrinter, type PrintOptions } from './query.js';
import { entriesOf, type StreamsResult } from './streams.js';

export interface TailQuery {
  readonly query: string;
  readonly startNs: bigint;
  readonly limit: number;
  /** Seconds the server waits for late entries (Loki allows at most 5). */
  readonly delayForSeconds: number;
}

interface TailMessage {
  readonly streams?: StreamsResult[];
  readonly dropped_entries?: ReadonlyArray<{ labels: Record<string, string>; timestamp: string }> | null;
}

const RECONNECT_MS = [500, 1000, 2000, 5000];

export async function runTail(client: LokiClient, tail: TailQuery, print: PrintOptions, io: Io): Promise<void> {
  const printer = entryPrinter(print, io);
  let lastNs = tail.startNs - 1n;
  let attempt = 0;
  let stop = false;
  void io.interrupted.then(() => (stop = true));
  for (;;) {
    const url = client.url('loki/api/v1/tail', {
      query: tail.query,
      start: String(lastNs + 1n),
      limit: String(tail.limit),
      delay_for: String(tail.delayForSeconds),
    });
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (attempt === 0 && !print.quiet) io.err(`${url.toString()}\n`);
    const outcome = await new Promise<'closed' | 'interrupted'>((resolve, reject) => {
      const socket = new WebSocket(url, { headers: client.requestHeaders() });
      let opened = false;
      socket.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => reject(new ServerError(response.statusCode ?? 0, body, url.toString())));
      });
      socket.on('open', () => {
        opened = true;
        attempt = 0;
      });
      socket.on('message', (data: Buffer) => {
        let message: TailMessage;
        try {
          message = JSON.parse(data.toString('utf8')) as TailMessage;
        } catch {
          return;
        }
        const entries = entriesOf(message.streams ?? [], true);
        printer.print(entries);
        for (const entry of entries) if (entry.tsNs > lastNs) lastNs = entry.tsNs;
        for (const dropped of message.dropped_entries ?? []) {
          if (!print.quiet) io.err(`dropped entry at ${dropped.timestamp} (the client read too slowly)\n`);
        }
      });
      socket.on('error', (error) => {
        if (!opened) reject(new RequestError(`cannot tail ${url.origin}: ${error.message}`, { cause: error }));
      });
      socket.on('close', () => resolve(stop ? 'interrupted' : 'closed'));
      void io.interrupted.then(() => socket.close(1000));
    }).catch((error: unknown) => {
      // The first connection's failure is the command's; later ones are retried.
      if (attempt === 0 && lastNs < tail.startNs) throw error;
      if (error instanceof ServerError && error.status >= 400 && error.status < 500) throw error;
      return 'closed' as const;
    });
    if (outcome === 'interrupted' || stop) return;
    const wait = RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)]!;
    attempt++;
    if (!print.quiet) io.err(`tail connection closed; reconnecting in ${wait} ms\n`);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, wait)), io.interrupted]);
    if (stop) return;
  }
}
