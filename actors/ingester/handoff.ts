// Chunk handoff between a LEAVING ingester and a PENDING one, over the receiver's transfer
// subject. The sender offers, sends its unflushed chunks in acknowledged batches, then hands
// over its tokens. The receiver logs every batch to its own WAL before acknowledging it, so a
// crash on either side after an ack loses nothing; a crash before it leaves the data with the
// sender, which still owns it and flushes it when the handoff fails.

import type { Bus, Subscription } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import { decodeChunk, MemChunk } from '../../storage/chunk/mod.js';
import { frameBudget } from '../select/frames.js';
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

/** A batch is sent once it holds this much, and before it would outgrow the bus's `max_payload`. */
const BATCH_BYTES = 512 * 1024;

/**
 * `encoded` as it is when it fits in `budget`, else its entries re-encoded (same encoding and
 * format) into as many chunks as it takes, each under `budget`: a chunk is cut at 1.5 MiB, more
 * than nats-server's default 1 MiB `max_payload`, and a message over it is refused outright.
 */
export function* chunkPiecesUnder(encoded: Uint8Array, budget: number): Generator<Uint8Array> {
  if (encoded.length <= budget) {
    yield encoded;
    return;
  }
  const decoded = decodeChunk(encoded);
  const config = { encoding: decoded.encoding, format: decoded.format, blockSizeBytes: Math.max(1024, Math.min(256 * 1024, Math.floor(budget / 4))), targetSizeBytes: budget };
  let piece = new MemChunk(config);
  for (const entry of decoded.iterate({ from: -(2n ** 63n), through: 2n ** 63n - 1n, direction: 'forward' })) {
    if (!piece.isEmpty && !piece.hasSpaceFor(entry)) {
      yield piece.encode();
      piece = new MemChunk(config);
    }
    piece.append(entry);
  }
  if (!piece.isEmpty) yield piece.encode();
}

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

  // Every message stays under the bus's max_payload (read from the server's INFO on NATS), with
  // room for the labels and the envelope: a batch is sent before a chunk would take it past.
  const limit = frameBudget(bus.maxPayloadBytes);
  const overhead = (stream: IngesterStream): number => 64 + stream.tenant.length + 2 * stream.labelString.length;
  for (const stream of ingester.allStreams()) {
    for (const slot of stream.unflushed()) {
      for (const encoded of chunkPiecesUnder(slot.chunk.encode(), limit - overhead(stream))) {
        const size = encoded.length + overhead(stream);
        if (batch.length > 0 && batchBytes + size > limit) await sendBatch();
        batch.push({ tenant: stream.tenant, labelString: stream.labelString, labels: stream.labels, chunks: [encoded] });
        batchBytes += size;
        if (batchBytes >= BATCH_BYTES) await sendBatch();
      }
      handed.push({ stream, slot });
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
