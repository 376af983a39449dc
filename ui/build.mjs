// Bundles the web UI into dist/ui/: one hashed script and stylesheet, an index.html naming them,
// and gzip/brotli copies of each so the gateway can serve them precompressed. Run by
// `npm run build` and `prepare`; `--outdir DIR` writes elsewhere (tests).

import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const outFlag = process.argv.indexOf('--outdir');
const target = outFlag > 0 ? process.argv[outFlag + 1] : join(here, '..', 'dist', 'ui');
// Built beside the target and moved into place at the end, so a running server never sees half a build.
const outdir = `${target}.building-${process.pid}`;
const assets = join(outdir, 'assets');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: assets,
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((name) => name.endsWith('.js'));
const style = outputs.find((name) => name.endsWith('.css'));
if (script === undefined || style === undefined) throw new Error(`ui build: expected a script and a stylesheet, got ${outputs.join(', ')}`);

const html = readFileSync(join(here, 'index.html'), 'utf8')
  .replace('%SCRIPT%', `/ui/assets/${script}`)
  .replace('%STYLE%', `/ui/assets/${style}`);
writeFileSync(join(outdir, 'index.html'), html);
writeFileSync(join(assets, 'favicon.svg'), readFileSync(join(here, 'favicon.svg')));

// Precompressed copies: the gateway picks one by Accept-Encoding and never compresses at run time.
let total = 0;
for (const dir of [outdir, assets]) {
  for (const name of readdirSync(dir)) {
    if (!/\.(js|css|html|svg|txt)$/.test(name)) continue;
    const raw = readFileSync(join(dir, name));
    const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    writeFileSync(join(dir, `${name}.gz`), gzipSync(raw, { level: 9 }));
    writeFileSync(join(dir, `${name}.br`), br);
    if (name.endsWith('.js') || name.endsWith('.css')) total += br.length;
  }
}
rmSync(target, { recursive: true, force: true });
renameSync(outdir, target);
console.log(`ui: ${script}, ${style} in ${target} (${(total / 1024).toFixed(0)} KiB brotli)`);
