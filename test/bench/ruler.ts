// The ruler's cost, beside same-run references: one group iteration (12 rules over the loghub
// logs, through the real LogQL engine on in-memory streams) against the same 12 queries run
// straight through the engine; and remote-write encoding (protobuf + snappy) against
// JSON.stringify of the same samples.
//
//   npm run bench:ruler

import pino from 'pino';
import { Registry } from 'prom-client';
import { labelsFromRecord, type Entry } from '../../core/model.js';
import { Engine } from '../../logql/engine/engine.js';
import { MemoryQuerier } from '../../logql/testing/memory-querier.js';
import { compileGroup } from '../../actors/ruler/group.js';
import { GroupRunner } from '../../actors/ruler/group-runner.js';
import { rulerMetrics } from '../../actors/ruler/metrics.js';
import { ObjectGroupStateStore } from '../../actors/ruler/state-store.js';
import { encodeWriteRequest, snappyBlock } from '../../actors/ruler/remote-write/write-request.js';
import { MemoryStore } from '../../storage/memory-store.js';
import { fmt, loadLoghub } from './loghub.js';

const jobs = loadLoghub();
const now = Date.now();
const streams = jobs.map((job) => {
  const entries: Entry[] = job.lines.map((line, i) => ({ ts: BigInt(now - 600_000 + Math.floor((i * 590_000) / job.lines.length)) * 1_000_000n, line }));
  return { labels: labelsFromRecord({ job: job.job }), entries };
});
const lines = jobs.reduce((n, job) => n + job.lines.length, 0);
const engine = new Engine();
const memory = new MemoryQuerier(streams);
const querier = { query: (params: Parameters<Engine['query']>[0]) => engine.query(params, memory) };

const exprs = [
  'sum by (job) (count_over_time({job=~".+"} |= "error" [10m]))',
  'sum by (job) (count_over_time({job=~".+"} |~ "(?i)warn" [10m]))',
  'sum by (job) (rate({job=~".+"} [10m]))',
  'sum by (job) (bytes_over_time({job=~".+"} [10m]))',
];
const rules = Array.from({ length: 12 }, (_, i) =>
  i % 3 === 0 ? { alert: `A${i}`, expr: `${exprs[i % 4]} > 1`, for: '1m' } : { record: `job:bench:r${i}`, expr: exprs[i % 4]! },
);
const group = compileGroup('fake', 'bench', { name: 'bench', interval: '1m', rules }, 60_000);
const runner = new GroupRunner(group, {
  querier,
  alerts: { send: () => undefined },
  samples: { append: () => undefined },
  state: new ObjectGroupStateStore(new MemoryStore()),
  metrics: rulerMetrics(new Registry()),
  logger: pino({ level: 'silent' }),
  rulerId: 'bench',
  resendDelayMs: 60_000,
  externalUrl: '',
  externalLabels: {},
});

async function timeIt(rounds: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await work();
  return (performance.now() - started) / rounds;
}

const rounds = 10;
const iteration = await timeIt(rounds, () => runner.evaluate(Date.now()));
const direct = await timeIt(rounds, async () => {
  const ts = BigInt(Date.now()) * 1_000_000n;
  for (const rule of rules) {
    await engine.query({ tenant: 'fake', query: rule.expr, start: ts, end: ts, step: 0n, interval: 0n, limit: 100, direction: 'backward', kind: 'instant' }, memory);
  }
});
console.log(`group iteration, 12 rules over ${lines} loghub lines: ${fmt(iteration)} ms (same queries straight through the engine: ${fmt(direct)} ms)`);

const samples = Array.from({ length: 500 }, (_, i) => ({
  labels: { __name__: 'job:log_errors:count5m', job: `job-${i % 16}`, instance: `host-${i}` },
  samples: [{ value: i * 1.5, timestampMs: now }],
}));
const batches = 2_000;
let bytes = 0;
let started = performance.now();
for (let i = 0; i < batches; i++) bytes += snappyBlock(encodeWriteRequest(samples)).length;
const encodeMs = performance.now() - started;
started = performance.now();
let jsonBytes = 0;
for (let i = 0; i < batches; i++) jsonBytes += Buffer.byteLength(JSON.stringify(samples));
const jsonMs = performance.now() - started;
const rate = (ms: number) => fmt((batches * samples.length) / (ms / 1000), 0);
console.log(`remote-write encoding (protobuf + snappy), 500-sample batches: ${rate(encodeMs)} samples/s, ${fmt(bytes / batches / samples.length)} bytes/sample (JSON.stringify of the same: ${rate(jsonMs)} samples/s, ${fmt(jsonBytes / batches / samples.length)} bytes/sample)`);
