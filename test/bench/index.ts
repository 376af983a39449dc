// `npm run bench`: every benchmark, one after another, each in its own process so one's garbage
// and JIT state do not colour the next. Each prints its own figures.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = ['codec.ts', 'wal.ts', 'push-query.ts', 'logql.ts'];
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
let failed = 0;
for (const bench of BENCHES) {
  if (only.length > 0 && !only.some((name) => bench.startsWith(name))) continue;
  console.log(`\n== ${bench} ==`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(bench, import.meta.url))], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
