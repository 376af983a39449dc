// Live tail: Loki's websocket when no tenant header is needed. Browsers cannot set headers on a
// websocket, so with a tenant picked the same stream is followed by polling `query_range`
// forward from the last entry seen, with `X-Scope-OrgID`, once a second.

import { queryRange, tenant } from './loki';
import type { StreamResult } from './types';

export interface TailHandlers {
  onStreams(streams: StreamResult[]): void;
  onStatus(status: 'connecting' | 'live' | 'closed', detail?: string): void;
}

export interface TailHandle {
  close(): void;
}

const POLL_MS = 1000;

export function startTail(query: string, startNs: bigint, handlers: TailHandlers): TailHandle {
  return tenant() === '' ? websocketTail(query, startNs, handlers) : pollingTail(query, startNs, handlers);
}

function websocketTail(query: string, startNs: bigint, handlers: TailHandlers): TailHandle {
  const params = new URLSearchParams({ query, start: startNs.toString(), limit: '100' });
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/loki/api/v1/tail?${params.toString()}`);
  let closedByUs = false;
  handlers.onStatus('connecting');
  socket.onopen = () => handlers.onStatus('live');
  socket.onmessage = (event) => {
    try {
      const message = JSON.parse(String(event.data)) as { streams?: StreamResult[] };
      if (message.streams !== undefined && message.streams.length > 0) handlers.onStreams(message.streams);
    } catch {
      // A frame that is not JSON carries nothing to show.
    }
  };
  socket.onerror = () => handlers.onStatus('closed', 'the live tail connection failed (a bad query answers 400 before the upgrade: run it first to see the error)');
  socket.onclose = (event) => {
    if (!closedByUs) handlers.onStatus('closed', event.reason === '' ? `connection closed (${event.code})` : event.reason);
  };
  return {
    close() {
      closedByUs = true;
      socket.close();
      handlers.onStatus('closed');
    },
  };
}

function pollingTail(query: string, startNs: bigint, handlers: TailHandlers): TailHandle {
  let cursor = startNs;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sentAtCursor = new Set<string>();
  handlers.onStatus('connecting');
  const poll = async (): Promise<void> => {
    const end = BigInt(Date.now()) * 1_000_000n;
    try {
      const data = await queryRange({ query, range: { start: cursor.toString(), end: end.toString() }, limit: 1000, direction: 'forward' });
      if (stopped) return;
      handlers.onStatus('live');
      if (data.resultType === 'streams') {
        const fresh: StreamResult[] = [];
        let newest = cursor;
        for (const stream of data.result) {
          const values = stream.values.filter((v) => !sentAtCursor.has(`${v[0]}\u0000${JSON.stringify(stream.stream)}\u0000${v[1]}`));
          if (values.length > 0) fresh.push({ stream: stream.stream, values });
          for (const v of stream.values) if (BigInt(v[0]) > newest) newest = BigInt(v[0]);
        }
        if (newest > cursor) {
          cursor = newest;
          sentAtCursor.clear();
        }
        for (const stream of data.result) for (const v of stream.values) if (BigInt(v[0]) === cursor) sentAtCursor.add(`${v[0]}\u0000${JSON.stringify(stream.stream)}\u0000${v[1]}`);
        if (fresh.length > 0) handlers.onStreams(fresh);
      }
    } catch (error) {
      if (stopped) return;
      handlers.onStatus('closed', (error as Error).message);
      stopped = true;
      return;
    }
    if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
  };
  void poll();
  return {
    close() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      handlers.onStatus('closed');
    },
  };
}
