// LogQL pipeline benchmark: MB/s of log lines per core through compiled pipelines, over the
// loghub sample logs. Plain-text cases scan the raw lines; the logfmt and JSON cases scan lines
// synthesised from them (level, status and the raw text as a message field).
// Run: npx tsx test/bench/logql.ts

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine, compileLogSelector, emptyStats } from '../../logql/mod.js';
import { labelsFromRecord } from '../../core/model.js';
import { RE2JS } from 're2js';
import type { MemoryStream } from '../../logql/testing/memory-querier.js';
import { MemoryQuerier } from '../../logql/testing/memory-querier.js';
import type { StreamRunner } from '../../logql/log/pipeline.js';
import { MemChunk } from '../../storage/chunk/mem-chunk.js';
import { decodeChunk } from '../../storage/chunk/decoded-chunk.js';
import { selectLogsFromStreams } from '../../logql/engine/select.js';

const LOGHUB_DIR = process.env.NORN_LOGHUB_DIR ?? fileURLToPath(new URL('../../../shared/data/loghub/', import.meta.url));
const MIN_SECONDS = 1;
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];

interface Corpus {
  readonly name: string;
  readonly streams: MemoryStream[];
  readonly bytes: number;
  readonly lines: number;
}

function loadRaw(): Array<{ job: string; lines: string[] }> {
  const files = readdirSync(LOGHUB_DIR).filter((f) => f.endsWith('.log')).sort();
  if (files.length === 0) throw new Error(`no .log files in ${LOGHUB_DIR}`);
  return files.map((f) => ({ job: f.replace(/_2k\.log$/, ''), lines: readFileSync(LOGHUB_DIR + f, 'utf8').split('\n').filter((l) => l.length > 0) }));
}

function levelOf(line: string, i: number): string {
  const lower = line.toLowerCase();
  if (lower.includes('error') || lower.includes('fail')) return 'error';
  if (lower.includes('warn')) return 'warn';
  return LEVELS[i % LEVELS.length]!;
}

function corpus(name: string, raw: ReturnType<typeof loadRaw>, shape: (line: string, i: number) => string): Corpus {
  let bytes = 0;
  let lines = 0;
  const start = 1_700_000_000_000_000_000n;
  const streams = raw.map(({ job, lines: src }) => {
    const entries = src.map((line, i) => {
      const text = shape(line, i);
      bytes += Buffer.byteLength(text);
      lines++;
      return { ts: start + BigInt(i) * 10_000_000n, line: text };
    });
    return { labels: labelsFromRecord({ job }), entries };
  });
  return { name, streams, bytes, lines };
}

function timeIt(run: () => number): { seconds: number; rounds: number; matched: number } {
  let rounds = 0;
  let matched = 0;
  const began = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS || rounds < 3) {
    matched = run();
    rounds++;
    elapsed = Number(process.hrtime.bigint() - began) / 1e9;
  }
  return { seconds: elapsed, rounds, matched };
}

function pipelineCase(query: string, c: Corpus): void {
  const plan = compileLogSelector(`{job=~".+"} ${query}`);
  const runners = c.streams.map((s) => ({ runner: plan.pipeline.forStream(s.labels) as StreamRunner, entries: s.entries }));
  const { seconds, rounds, matched } = timeIt(() => {
    let n = 0;
    for (const { runner, entries } of runners) for (const e of entries) if (runner.run(e.ts, e.line) !== null) n++;
    return n;
  });
  report(`{...} ${query}`, c, seconds, rounds, `${matched} of ${c.lines} lines pass`);
}

async function metricCase(query: string, c: Corpus): Promise<void> {
  const engine = new Engine();
  const querier = new MemoryQuerier(c.streams);
  const first = c.streams[0]!.entries[0]!.ts;
  const params = {
    tenant: 'bench', query, start: first + 60_000_000_000n, end: first + 60_000_000_000n, step: 0n, interval: 0n,
    limit: 100, direction: 'backward' as const, kind: 'instant' as const,
  };
  let rounds = 0;
  const began = process.hrtime.bigint();
  let elapsed = 0;
  let series = 0;
  while (elapsed < MIN_SECONDS || rounds < 3) {
    const res = await engine.query(params, querier);
    series = res.data.resultType === 'vector' ? res.data.result.length : 0;
    rounds++;
    elapsed = Number(process.hrtime.bigint() - began) / 1e9;
  }
  report(query, c, elapsed, rounds, `${series} series`);
}

/** The same scan over encoded chunks: decode, prefilter raw bytes, pipeline. */
function chunkCase(query: string, c: Corpus): void {
  const plan = compileLogSelector(`{job=~".+"} ${query}`);
  const encoder = new TextEncoder();
  const needles = plan.requiredSubstrings.map((n) => encoder.encode(n));
  const chunks = c.streams.map((s) => {
    const chunk = new MemChunk();
    for (const e of s.entries) chunk.append(e);
    chunk.cutBlock();
    return { labels: s.labels, bytes: chunk.encode() };
  });
  const from = 0n;
  const through = 1n << 62n;
  const { seconds, rounds, matched } = timeIt(() => {
    const inputs = chunks.map((ch) => ({
      labels: ch.labels,
      entries: decodeChunk(ch.bytes).iterate({ from, through, direction: 'forward', mustContain: needles }),
    }));
    const out = selectLogsFromStreams(inputs, plan, { start: from, end: through, direction: 'forward', limit: 1_000_000 }, emptyStats());
    return out.reduce((n, st) => n + st.entries.length, 0);
  });
  report(`chunks: {...} ${query}`, c, seconds, rounds, `${matched} lines returned, decompression included`);
}

function report(name: string, c: Corpus, seconds: number, rounds: number, note: string): void {
  const mb = (c.bytes * rounds) / 1e6;
  const lines = (c.lines * rounds) / seconds;
  console.log(`${name.padEnd(72)} ${(mb / seconds).toFixed(1).padStart(7)} MB/s ${(lines / 1e6).toFixed(2).padStart(6)} M lines/s  (${c.name}, ${note})`);
}

async function main(): Promise<void> {
  const raw = loadRaw();
  const plain = corpus('raw loghub', raw, (l) => l);
  const logfmt = corpus('logfmt from loghub', raw, (l, i) => `level=${levelOf(l, i)} status=${200 + (i % 7) * 50} job=x msg=${JSON.stringify(l)}`);
  const json = corpus('json from loghub', raw, (l, i) => JSON.stringify({ level: levelOf(l, i), status: 200 + (i % 7) * 50, msg: l }));
  console.log(`corpus: ${plain.lines} lines, ${(plain.bytes / 1e6).toFixed(2)} MB raw; node ${process.version}, one core`);
  pipelineCase('|= "word"', plain);
  pipelineCase('|= "error"', plain);
  pipelineCase('|~ "re"', plain);
  pipelineCase('|~ "blk_[0-9]+ terminating"', plain);
  pipelineCase('|~ "(?i)exception"', plain);
  chunkCase('|= "word"', plain);
  chunkCase('|~ "blk_[0-9]+ terminating"', plain);
  pipelineCase('| logfmt | level="error"', logfmt);
  pipelineCase('| json | status >= 500', json);
  await metricCase('sum by (level) (count_over_time({job=~".+"} | logfmt [1m]))', logfmt);

  const evil = RE2JS.compile('(a+)+$');
  const long = 'a'.repeat(50_000) + 'b';
  const began = process.hrtime.bigint();
  const matched = evil.test(long);
  console.log(`(a+)+$ against 50,000 characters: ${(Number(process.hrtime.bigint() - began) / 1e6).toFixed(1)} ms (match: ${matched})`);
}

await main();
