// Real logs for the frontend's tests: loghub's sample files (read where they are, never copied
// into the project), each spread over a few hours and cut into four streams by a `host` label,
// so time splits and stream shards both have something to cut.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOGHUB_DIR = '/work/shared/data/loghub';
export const CORPUS_SOURCES = ['HDFS', 'Apache', 'Linux', 'OpenSSH', 'Zookeeper', 'Hadoop', 'Spark', 'Proxifier'];
export const HOSTS = 4;

export interface CorpusStream {
  readonly stream: Record<string, string>;
  readonly values: [string, string][];
}

/** Every source's lines, one every `spacingNs` from `baseNs` (offset by the source's index), as push streams. */
export function corpusStreams(baseNs: bigint, spacingNs: bigint): CorpusStream[] {
  const streams: CorpusStream[] = [];
  CORPUS_SOURCES.forEach((source, s) => {
    const lines = readFileSync(join(LOGHUB_DIR, `${source}_2k.log`), 'utf8').split('\n').filter((line) => line.trim() !== '');
    const byHost: [string, string][][] = Array.from({ length: HOSTS }, () => []);
    lines.forEach((line, i) => {
      const ts = baseNs + BigInt(i) * spacingNs + BigInt(s) * 1_000_000_000n;
      byHost[(i * 7 + s) % HOSTS]!.push([String(ts), line]);
    });
    byHost.forEach((values, h) => streams.push({ stream: { source, host: `h${h}` }, values }));
  });
  return streams;
}

/** Streams cut at a time: entries before `splitNs`, and from it on. */
export function partition(streams: readonly CorpusStream[], splitNs: bigint): [CorpusStream[], CorpusStream[]] {
  const before = streams.map((s) => ({ stream: s.stream, values: s.values.filter(([ts]) => BigInt(ts) < splitNs) }));
  const after = streams.map((s) => ({ stream: s.stream, values: s.values.filter(([ts]) => BigInt(ts) >= splitNs) }));
  return [before, after];
}
