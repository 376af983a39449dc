// The query frontend with queriers on the bus, against aims measured in the same run.
//   cluster: nats-server, the S3 server in its own process, one ingester (RF 1), a gateway with
//            --auth and frontend.cache_results, and 0, 1, then 2 `--target querier` processes (max_concurrent 4), each
//            `norn run`; loopback only
//   data:    tenant A: a day of lines in 8 streams, one line every 15 s per stream (46,080);
//            tenant B: the same day in 2 streams, one line a minute
//   figures: A's 24-hour metric query cold (a query text not seen before) and cached (the same
//            again, median of 3), with 0, 1 and 2 queriers (0: the gateway runs the pieces
//            itself); A's 24-hour log query cold; B's small query (its last hour) alone and while
//            A floods the gateway with 24-hour queries from 6 clients
//   aims:    cached >= 10x faster than cold; B's p50 under the flood <= 1/4 of A's day-long
//            queries' p50 in the same flood (the fair queue serves B between A's pieces instead
//            of behind A's backlog; B still waits for a slot an A piece holds, on shared cores)
// Run: npm run bench:frontend   (the spawned processes run the build: npm run build first)

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterConfigYaml } from '../helpers/cluster-config.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { spawnNorn, tempDir, type NornProcess } from '../helpers/norn.js';
import { spawnS3Server } from '../helpers/s3-server.js';
import { runWithCleanup } from './cleanup.js';
import { fmt } from './loghub.js';
import { percentile } from './push-load.js';

const HOUR_NS = 3_600_000_000_000n;
const LEVELS = ['info', 'warn', 'error', 'debug'];

async function push(gateway: NornProcess, tenant: string, body: unknown): Promise<void> {
  const response = await fetch(`${gateway.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Scope-OrgID': tenant },
    body: JSON.stringify(body),
  });
  if (response.status !== 204) throw new Error(`push for ${tenant}: ${response.status} ${await response.text()}`);
}

/** A day of lines for `tenant`, an hour a request, every stream in time order. */
async function pushDay(gateway: NornProcess, tenant: string, streams: number, everyNs: bigint, start: bigint): Promise<number> {
  let lines = 0;
  for (let hour = 0n; hour < 24n; hour++) {
    const body = {
      streams: Array.from({ length: streams }, (_, s) => {
        const values: Array<[string, string]> = [];
        for (let ts = start + hour * HOUR_NS + BigInt(s) * 1_000_000n; ts < start + (hour + 1n) * HOUR_NS; ts += everyNs) {
          values.push([String(ts), `level=${LEVELS[lines % 4]} status=${lines % 13 === 0 ? 500 : 200} took=${lines % 977}ms n=${lines++}`]);
        }
        return { stream: { bench: 'fe', tenant, stream: String(s), level: LEVELS[s % 4]! }, values };
      }),
    };
    await push(gateway, tenant, body);
  }
  return lines;
}

async function timed(gateway: NornProcess, tenant: string, params: Record<string, string>): Promise<number> {
  const t0 = process.hrtime.bigint();
  const response = await fetch(`${gateway.url}/loki/api/v1/query_range?${new URLSearchParams(params)}`, { headers: { 'X-Scope-OrgID': tenant } });
  const text = await response.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (response.status !== 200) throw new Error(`query for ${tenant}: ${response.status} ${text.slice(0, 300)}`);
  return ms;
}

/** A counter on the gateway's /metrics, summed over its series. */
async function counter(gateway: NornProcess, name: string): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function liveQueriers(gateway: NornProcess): Promise<number> {
  const view = (await (await fetch(`${gateway.url}/queriers`)).json()) as { queriers: Array<{ live: boolean }> };
  return view.queriers.filter((q) => q.live).length;
}

const median = (values: number[]): number => percentile(values, 50);
const ms = (value: number): string => `${fmt(value, 1)} ms`;

runWithCleanup(async (defer) => {
  const root = tempDir('norn-bench-frontend-');
  const configFile = join(root, 'norn.yaml');
  writeFileSync(configFile, clusterConfigYaml(1, { logLevel: 'warn' }));
  const nats = await startNatsServer();
  defer(() => nats.dispose());
  const s3 = await spawnS3Server();
  defer(() => s3.close());
  const common = ['--nats', nats.url, '--replication-factor', '1',
    '--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-access-key', s3.accessKey, '--s3-secret-key', s3.secretKey];
  const processes: NornProcess[] = [];
  defer(() => Promise.all(processes.map((p) => p.stop('SIGKILL'))));
  processes.push(await spawnNorn([...common, '--config', configFile, '--target', 'ingester', '--id', 'ingester-1', '--data-dir', join(root, 'ingester-1')]));
  // The results cache is off by default, as in Loki: this gateway turns it on.
  const gatewayConfig = join(root, 'gateway.yaml');
  writeFileSync(gatewayConfig, `${clusterConfigYaml(1, { logLevel: 'warn' })}frontend:\n  cache_results: true\n`);
  const gateway = await spawnNorn([...common, '--config', gatewayConfig, '--target', 'gateway', '--auth']);
  processes.push(gateway);

  const end = (BigInt(Date.now()) * 1_000_000n / 60_000_000_000n) * 60_000_000_000n;
  const start = end - 24n * HOUR_NS;
  const t0 = Date.now();
  const linesA = await pushDay(gateway, 'tenant-a', 8, 15_000_000_000n, start);
  const linesB = await pushDay(gateway, 'tenant-b', 2, 60_000_000_000n, start);
  console.log(`pushed ${linesA.toLocaleString('en-US')} lines for tenant-a, ${linesB.toLocaleString('en-US')} for tenant-b in ${fmt((Date.now() - t0) / 1000)} s`);

  const day = { start: String(start), end: String(end) };
  const rows: string[] = [];
  let worstRatio = Number.POSITIVE_INFINITY;
  for (const queriers of [0, 1, 2]) {
    while (processes.length - 2 < queriers) {
      const id = `querier-${processes.length - 1}`;
      processes.push(await spawnNorn([...common, '--config', configFile, '--target', 'querier', '--id', id, '--querier.max-concurrent', '4']));
    }
    while ((await liveQueriers(gateway)) !== queriers) await new Promise((resolve) => setTimeout(resolve, 100));
    // A query text not seen before is cold; the same text again is answered from the cache.
    const metric = { query: `sum by (level) (count_over_time({bench="fe"} != "cold-${queriers}" [5m]))`, step: '300', ...day };
    const cold = await timed(gateway, 'tenant-a', metric);
    const hits = await counter(gateway, 'norn_query_frontend_results_cache_hits_total');
    const cached = median([await timed(gateway, 'tenant-a', metric), await timed(gateway, 'tenant-a', metric), await timed(gateway, 'tenant-a', metric)]);
    const hitsPerQuery = ((await counter(gateway, 'norn_query_frontend_results_cache_hits_total')) - hits) / 3;
    const logs = await timed(gateway, 'tenant-a', { query: `{bench="fe"} |= "status=500" != "cold-${queriers}"`, limit: '1000', ...day });
    worstRatio = Math.min(worstRatio, cold / cached);
    rows.push(`| ${queriers} | ${ms(cold)} | ${ms(cached)} | ${fmt(cold / cached)}x | ${fmt(hitsPerQuery, 0)} | ${ms(logs)} |`);
  }
  console.log('\n24-hour queries of tenant-a (aim: cached >= 10x faster than cold)\n');
  console.log('| queriers | metric cold | metric cached | cold / cached | cache hits a query | log query cold |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
  console.log(`\nworst cold / cached: ${fmt(worstRatio)}x (aim >= 10x): ${worstRatio >= 10 ? 'met' : 'NOT met'}`);

  // Tenant B's small query: its last hour, a text not seen before each time (no cache).
  let n = 0;
  const small = (): Promise<number> =>
    timed(gateway, 'tenant-b', { query: `sum(count_over_time({bench="fe"} != "b-${n++}" [5m]))`, step: '60', start: String(end - HOUR_NS), end: String(end) });
  const alone: number[] = [];
  for (let i = 0; i < 10; i++) alone.push(await small());
  let flooding = true;
  const floodTimes: number[] = [];
  const flood = Array.from({ length: 6 }, async (_, client) => {
    let i = 0;
    while (flooding) {
      floodTimes.push(await timed(gateway, 'tenant-a', { query: `sum by (level) (count_over_time({bench="fe"} != "flood-${client}-${i++}" [5m]))`, step: '300', ...day }));
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const during: number[] = [];
  for (let i = 0; i < 10; i++) during.push(await small());
  flooding = false;
  await Promise.all(flood);
  const ratio = median(during) / median(floodTimes);
  console.log(`\ntenant-b's 1-hour metric query with 2 queriers (aim: p50 under the flood <= 1/4 of tenant-a's)\n`);
  console.log('| | p50 | p99 |');
  console.log('| --- | ---: | ---: |');
  console.log(`| tenant-b alone | ${ms(median(alone))} | ${ms(percentile(alone, 99))} |`);
  console.log(`| tenant-b while tenant-a floods | ${ms(median(during))} | ${ms(percentile(during, 99))} |`);
  console.log(`| tenant-a's day-long queries in the flood (6 clients, ${floodTimes.length} answered) | ${ms(median(floodTimes))} | ${ms(percentile(floodTimes, 99))} |`);
  console.log(`\ntenant-b / tenant-a p50 in the flood: ${fmt(ratio, 2)} (aim <= 0.25): ${ratio <= 0.25 ? 'met' : 'NOT met'}; tenant-b flooded / alone: ${fmt(median(during) / median(alone))}x`);
});
