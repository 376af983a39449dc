// Loki's `data.stats` (logqlmodel/stats.Result as JSON), in Loki's field order. The engine's
// counters fill what they cover; every other field is present and zero, because clients
// (Grafana, logcli) read the shape, not just the numbers.

import type { QueryStats } from '../logql/types.js';

const CACHE_NAMES = [
  'chunk',
  'index',
  'result',
  'statsResult',
  'volumeResult',
  'seriesResult',
  'labelResult',
  'instantMetricResult',
] as const;

const EMPTY_CACHE =
  '{"entriesFound":0,"entriesRequested":0,"entriesStored":0,"bytesReceived":0,"bytesSent":0,"requests":0,"downloadTime":0,"queryLengthServed":0}';

const CACHE_SECTION = '{' + CACHE_NAMES.map((name) => `"${name}":${EMPTY_CACHE}`).join(',') + '}';

const INDEX_SECTION = '{"totalChunks":0,"postFilterChunks":0,"shardsDuration":0}';

function num(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

function storeSection(
  chunksRef: number,
  chunksDownloaded: number,
  decompressedBytes: number,
  decompressedLines: number,
): string {
  return (
    `{"totalChunksRef":${num(chunksRef)},"totalChunksDownloaded":${num(chunksDownloaded)},` +
    `"chunksDownloadTime":0,"queryReferencedStructuredMetadata":false,` +
    `"chunk":{"headChunkBytes":0,"headChunkLines":0,"decompressedBytes":${num(decompressedBytes)},` +
    `"decompressedLines":${num(decompressedLines)},"compressedBytes":0,"totalDuplicates":0,` +
    `"postFilterLines":0,"headChunkStructuredMetadataBytes":0,"decompressedStructuredMetadataBytes":0},` +
    `"chunkRefsFetchTime":0,"congestionControlLatency":0,"pipelineWrapperFilteredLines":0}`
  );
}

function perSecond(total: number, seconds: number): number {
  return seconds > 0 ? Math.trunc(total / seconds) : 0;
}

/** The stats object as JSON text. */
export function renderStats(stats: QueryStats): string {
  const summary =
    `{"bytesProcessedPerSecond":${num(perSecond(stats.totalBytesProcessed, stats.execTimeSeconds))},` +
    `"linesProcessedPerSecond":${num(perSecond(stats.totalLinesProcessed, stats.execTimeSeconds))},` +
    `"totalBytesProcessed":${num(stats.totalBytesProcessed)},` +
    `"totalLinesProcessed":${num(stats.totalLinesProcessed)},` +
    `"execTime":${num(stats.execTimeSeconds)},"queueTime":${num(stats.queueTimeSeconds)},` +
    `"subqueries":${num(stats.subqueries)},"totalEntriesReturned":${num(stats.totalEntriesReturned)},` +
    `"splits":${num(stats.splits)},"shards":${num(stats.shards)},"totalPostFilterLines":0,"totalStructuredMetadataBytesProcessed":0}`;
  const querier = `{"store":${storeSection(
    stats.totalChunksRef,
    stats.totalChunksDownloaded,
    stats.storeBytesProcessed,
    stats.storeLinesProcessed,
  )}}`;
  const ingester =
    `{"totalReached":0,"totalChunksMatched":0,"totalBatches":0,"totalLinesSent":0,` +
    `"store":${storeSection(0, 0, stats.ingesterBytesProcessed, stats.ingesterLinesProcessed)}}`;
  return `{"summary":${summary},"querier":${querier},"ingester":${ingester},"cache":${CACHE_SECTION},"index":${INDEX_SECTION}}`;
}
