// The durable producer path end to end: NornProducer publishes loghub lines into the JetStream
// stream on a real nats-server; one node (`norn run --nats`, WAL on, with
// `distributor.producer_stream.enabled`) consumes it and writes through the quorum path. The
// clock runs from the first publish until a LogQL count over the HTTP API sees every line.
//   figures: published lines/s (every publish() resolved: stored in the stream) and end-to-end
//            lines/s (published to queryable)
//   same-run reference: the same bodies pushed to the same node over HTTP (protobuf + snappy,
//            4 in flight), on streams of their own
// Run: npm run bench:producer   (options: --copies N)

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NornProducer } from '../../tools/producer/mod.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { spawnNorn, tempDir, type NornProcess } from '../helpers/norn.js';
import { runWithCleanup } from './cleanup.js';
import { fmt, loadLoghub } from './loghub.js';
import { buildBodies, pushClosedLoop } from './push-load.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const COPIES = option('copies', 5);
const BATCH = 1000;
/** publish() calls not yet resolved before this script waits for the oldest. */
const WINDOW = 32;
const TIMEOUT_MS = 180_000;

async function countLines(url: string, selector: string): Promise<number> {
  const query = new URLSearchParams({ query: `sum(count_over_time(${selector}[6h]))` });
  const response = await fetch(`${url}/loki/api/v1/query?${query}`);
  if (!response.ok) throw new Error(`count query failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { data: { result: Array<{ value: [number, string] }> } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

async function main(defer: (step: () => unknown) => void): Promise<void> {
  const root = tempDir('norn-bench-producer-');
  defer(() => rmSync(root, { recursive: true, force: true }));
  const nats: NatsServerHandle = await startNatsServer();
  defer(() => nats.dispose());
  const configFile = join(root, 'norn.yaml');
  writeFileSync(configFile, 'limits:\n  ingestion_rate: 0\ndistributor:\n  producer_stream:\n    enabled: true\n');
  const norn: NornProcess = await spawnNorn(['--config', configFile, '--data-dir', join(root, 'data'), '--nats', nats.url, '--log-level', 'warn']);
  defer(() => norn.stop('SIGKILL'));

  const jobs = loadLoghub();
  const total = jobs.reduce((sum, job) => sum + job.lines.length, 0) * COPIES;
  const producer = await NornProducer.connect({ servers: nats.url, name: 'bench-producer' });
  defer(() => producer.close().catch(() => undefined));
  let ts = BigInt(Date.now() - 60_000 - total) * 1_000_000n;
  const pending: Promise<void>[] = [];
  const began = process.hrtime.bigint();
  for (let copy = 0; copy < COPIES; copy++) {
    for (const job of jobs) {
      for (let i = 0; i < job.lines.length; i += BATCH) {
        const entries = job.lines.slice(i, i + BATCH).map((line) => ({ ts: (ts += 1_000_000n), line }));
        pending.push(producer.publish({ labels: { job: job.job, source: 'producer' }, entries }));
        if (pending.length >= WINDOW) await pending.shift();
      }
    }
  }
  await producer.flush();
  await Promise.all(pending);
  const publishedSeconds = Number(process.hrtime.bigint() - began) / 1e9;

  const deadline = Date.now() + TIMEOUT_MS;
  let seen = 0;
  while ((seen = await countLines(norn.url, '{source="producer"}')) < total) {
    if (Date.now() > deadline) throw new Error(`only ${seen} of ${total} lines queryable after ${TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const endToEndSeconds = Number(process.hrtime.bigint() - began) / 1e9;
  if (seen !== total) throw new Error(`expected ${total} lines, the node counts ${seen}: a batch was written twice`);

  // Reference: the same lines over HTTP to the same node.
  const http = await pushClosedLoop(`${norn.url}/loki/api/v1/push`, buildBodies(jobs, { copies: COPIES, batch: BATCH, extraLabels: 'path="http"' }), 4, 60);

  console.log(`producer benchmark: NornProducer -> JetStream (nats-server) -> norn run (producer_stream on, WAL on) -> query API`);
  console.log(`  lines            ${total.toLocaleString('en-US')} in batches of ${BATCH}, every one counted exactly once by the query`);
  console.log(`  published        ${fmt(total / publishedSeconds, 0)} lines/s (publish() resolved: stored in the stream)`);
  console.log(`  end to end       ${fmt(total / endToEndSeconds, 0)} lines/s, published to queryable in ${fmt(endToEndSeconds, 2)} s`);
  console.log(`  same-run HTTP    ${fmt(http.lines / http.seconds, 0)} lines/s, the same lines pushed over HTTP to the same node (protobuf + snappy, 4 in flight)`);
}

runWithCleanup(main);
