// The ingester's Prometheus metrics, registered on the process's registry.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface IngesterMetrics {
  readonly linesIngested: Counter<'tenant'>;
  readonly bytesIngested: Counter<'tenant'>;
  readonly linesRejected: Counter<'tenant'>;
  readonly streams: Gauge<'tenant'>;
  readonly memoryChunks: Gauge;
  readonly chunksFlushed: Counter<'reason'>;
  readonly chunkFlushedBytes: Counter;
  readonly flushFailures: Counter;
  readonly flushRetries: Counter;
  readonly flushSetAside: Counter;
  readonly walBytes: Counter;
  readonly walReplaySeconds: Gauge;
  readonly walCorruptions: Counter;
  readonly handoffBatches: Counter<'direction'>;
  readonly handoffBytes: Counter<'direction'>;
  readonly queryDuration: Histogram<'kind'>;
  readonly patternLinesDropped: Counter;
  readonly blockCompressionFailures: Counter;
}

export function createIngesterMetrics(registry: Registry): IngesterMetrics {
  const registers = [registry];
  return {
    linesIngested: new Counter({ name: 'norn_ingester_lines_ingested_total', help: 'Log lines appended to streams.', labelNames: ['tenant'], registers }),
    bytesIngested: new Counter({ name: 'norn_ingester_bytes_ingested_total', help: 'Bytes of log lines appended to streams.', labelNames: ['tenant'], registers }),
    linesRejected: new Counter({ name: 'norn_ingester_lines_rejected_total', help: 'Log lines refused (out of order, stream limit).', labelNames: ['tenant'], registers }),
    streams: new Gauge({ name: 'norn_ingester_memory_streams', help: 'Streams held in memory.', labelNames: ['tenant'], registers }),
    memoryChunks: new Gauge({ name: 'norn_ingester_memory_chunks', help: 'Chunks held in memory, flushed or not.', registers }),
    chunksFlushed: new Counter({ name: 'norn_ingester_chunks_flushed_total', help: 'Chunks written to object storage, by cut reason.', labelNames: ['reason'], registers }),
    chunkFlushedBytes: new Counter({ name: 'norn_ingester_chunk_flushed_bytes_total', help: 'Encoded bytes of chunks written to object storage.', registers }),
    flushFailures: new Counter({ name: 'norn_ingester_flush_failures_total', help: 'Chunk uploads that failed (each is retried).', registers }),
    flushRetries: new Counter({ name: 'norn_ingester_flush_retries_total', help: 'Chunk upload retries.', registers }),
    flushSetAside: new Counter({ name: 'norn_ingester_flush_set_aside_total', help: 'Chunks set aside because storage refuses their key; never retried, kept in memory and the WAL.', registers }),
    walBytes: new Counter({ name: 'norn_ingester_wal_bytes_written_total', help: 'Bytes appended to the write-ahead log.', registers }),
    walReplaySeconds: new Gauge({ name: 'norn_ingester_wal_replay_seconds', help: 'Duration of the last WAL replay.', registers }),
    walCorruptions: new Counter({ name: 'norn_ingester_wal_corruptions_total', help: 'Corrupt WAL tails truncated at replay.', registers }),
    patternLinesDropped: new Counter({ name: 'norn_ingester_pattern_lines_dropped_total', help: 'Accepted lines not mined for patterns because the mining thread was behind.', registers }),
    blockCompressionFailures: new Counter({ name: 'norn_ingester_block_compression_failures_total', help: 'Background compressions of cut blocks that failed (the block stays uncompressed in memory and is retried).', registers }),
    handoffBatches: new Counter({ name: 'norn_ingester_handoff_batches_total', help: 'Chunk handoff batches sent or received.', labelNames: ['direction'], registers }),
    handoffBytes: new Counter({ name: 'norn_ingester_handoff_bytes_total', help: 'Bytes of chunks handed off.', labelNames: ['direction'], registers }),
    queryDuration: new Histogram({ name: 'norn_ingester_query_duration_seconds', help: 'Time answering queries from memory.', labelNames: ['kind'], registers }),
  };
}
