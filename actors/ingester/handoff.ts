// Chunk handoff between a LEAVING ingester and a PENDING one, over the receiver's transfer
// subject. The sender offers, sends its unflushed chunks in acknowledged batches, then hands
// over its tokens. The receiver logs every batch to its own WAL before acknowledging it, so a
// crash on either side after an ack loses nothing; a crash before it leaves the data with the
// sender, which still owns it and flushes it when the handoff fails.

import type { Bus, Subscription } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import { decodeChunk } from '../../storage/chunk/mod.js';
import type { Entry, Labels } from '../../core/model.js';
import type { Ingester } from './ingester.js';
import type { IngesterMetrics } from './metrics.js';
import type { IngesterPushRequest } from './protocol.js';
import type { ChunkSlot, IngesterStream } from './stream.js';

interface HandedOffStream {
  readonly tenant: string;
  readonly labelString: string;
  readonly labels: Labels;
  readonly chunks: Uint8Array[];
}

export type HandoffMessage =
  | { readonly kind: 'offer'; readonly from: string }
  | { readonly kind: 'batch'; readonly from: string; readonly seq: number; readonly streams: HandedOffStream[] }
  | { readonly kind: 'complete'; readonly from: string; readonly tokens: number[] };

export interface HandoffReply {
  readonly accepted: boolean;
  readonly reason?: string;
}

const BATCH_BYTES = 512 * 1024;

export interface HandoffOptions {
  readonly bus: Bus;
  readonly ingester: Ingester;
  readonly metrics: IngesterMetrics;
  readonly timeoutMs: number;
}

/** Sender side: hands every unflushed chunk and then the tokens to `target`. */
export async function handOff(options: HandoffOptions, target: string, tokens: readonly number[]): Promise<void> {
  const { bus, ingester, metrics, timeoutMs } = options;
  const subject = subjects.ingesterTransfer(target);
  const send = async (message: HandoffMessage): Promise<void> => {
    const reply = await bus.request<HandoffReply>(subject, message, { timeoutMs });
    if (!reply.accepted) throw new Error(`ingester ${target} refused the handoff: ${reply.reason ?? 'no reason'}`);
  };

  await send({ kind: 'offer', from: ingester.id });
  const handed: Array<{ stream: IngesterStream; slot: ChunkSlot }> = [];
  let batch: HandedOffStream[] = [];
  let batchBytes = 0;
  let seq = 0;
  const sendBatch = async (): Promise<void> => {
    if (batch.length === 0) return;
    await send({ kind: 'batch', from: ingester.id, seq: seq++, streams: batch });
    metrics.handoffBatches.inc({ direction: 'sent' });
    metrics.handoffBytes.inc({ direction: 'sent' }, batchBytes);
    batch = [];
    batchBytes = 0;
  };

  for (const stream of ingester.allStreams()) {
    for (const slot of stream.unflushed()) {
      const encoded = slot.chunk.encode();
      batch.push({ tenant: stream.tenant, labelString: stream.labelString, labels: stream.labels, chunks: [encoded] });
      batchBytes += encoded.length;
      handed.push({ stream, slot });
      if (batchBytes >= BATCH_BYTES) await sendBatch();
    }
  }
  await sendBatch();
  await send({ kind: 'complete', from: ingester.id, tokens: [...tokens] });
  // The receiver owns these now; keeping them as flushed lets them retire from memory.
  const now = Date.now();
  for (const { stream, slot } of handed) stream.markFlushed(slot, now);
}

export interface HandoffEvents {
  started(): void;
  completed(tokens: number[]): void;
  failed(reason: string): void;
}

/**
 * Receiver side: answers a sender's offer, logs and applies each batch, and reports the
 * outcome. A sender that falls silent for `timeoutMs` mid-handoff counts as failed.
 */
export function listenForHandoff(
  options: HandoffOptions & { readonly logBatch: (request: IngesterPushRequest) => Promise<void> },
  events: HandoffEvents,
): () => void {
  const { bus, ingester, metrics, timeoutMs } = options;
  let sender: string | undefined;
  // Batches are numbered from 0 per handoff: a repeated or skipped batch (a redelivery, a
  // sender that lost track) is refused rather than applied twice or with a hole.
  let nextSeq = 0;
  let silence: NodeJS.Timeout | undefined;
  const armSilenceTimer = (): void => {
    clearTimeout(silence);
    silence = setTimeout(() => {
      sender = undefined;
      events.failed(`handoff sender went silent for ${timeoutMs} ms`);
    }, timeoutMs);
  };

  const subscription: Subscription = bus.handle<HandoffMessage, HandoffReply>(subjects.ingesterTransfer(ingester.id), async (message) => {
    if (message.kind === 'offer') {
      if (sender !== undefined && sender !== message.from) return { accepted: false, reason: `already receiving from ${sender}` };
      sender = message.from;
      nextSeq = 0;
      armSilenceTimer();
      events.started();
      return { accepted: true };
    }
    if (message.from !== sender) return { accepted: false, reason: 'no handoff in progress from this sender' };
    armSilenceTimer();
    if (message.kind === 'batch') {
      if (message.seq !== nextSeq) return { accepted: false, reason: `expected batch ${nextSeq}, got batch ${message.seq}` };
      let bytes = 0;
      for (const stream of message.streams) {
        const entries: Entry[] = [];
        for (const encoded of stream.chunks) {
          bytes += encoded.length;
          for (const entry of decodeChunk(encoded).iterate({ from: -(2n ** 63n), through: 2n ** 63n - 1n, direction: 'forward' })) {
            entries.push(entry);
          }
        }
        const request: IngesterPushRequest = {
          tenant: stream.tenant,
          streams: [{ labelString: stream.labelString, labels: stream.labels, entries }],
        };
        await options.logBatch(request);
        ingester.apply(request);
      }
      nextSeq++;
      metrics.handoffBatches.inc({ direction: 'received' });
      metrics.handoffBytes.inc({ direction: 'received' }, bytes);
      return { accepted: true };
    }
    clearTimeout(silence);
    sender = undefined;
    events.completed(message.tokens);
    return { accepted: true };
  });

  return () => {
    clearTimeout(silence);
    subscription.unsubscribe();
  };
}
