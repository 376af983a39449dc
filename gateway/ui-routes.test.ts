// The web UI's routes over real files in a temporary build folder: index.html for / and any
// /ui/ path, hashed assets with long caching, precompressed copies by Accept-Encoding, and 404s
// for anything else.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptedEncodings, registerUiRoutes } from './ui-routes.js';

const dir = mkdtempSync(join(tmpdir(), 'norn-ui-routes-'));
mkdirSync(join(dir, 'assets'));
const INDEX = '<!DOCTYPE html><div id="app"></div>';
const SCRIPT = 'console.log("norn");'.repeat(50);
writeFileSync(join(dir, 'index.html'), INDEX);
writeFileSync(join(dir, 'assets', 'app-ABCDEF12.js'), SCRIPT);
writeFileSync(join(dir, 'assets', 'app-ABCDEF12.js.gz'), gzipSync(SCRIPT));

const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
registerUiRoutes(app, { dir });
const missing = Fastify();
registerUiRoutes(missing, { dir: join(dir, 'not-built') });

afterAll(async () => {
  await app.close();
  await missing.close();
});

describe('ui routes', () => {
  it('answers index.html at /, /ui, /ui/ and deep links, never cached', async () => {
    for (const url of ['/', '/ui', '/ui/', '/ui/explore', '/ui/cluster/anything']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toBe(INDEX);
    }
  });

  it('serves hashed assets for a year, gzip when asked and present', async () => {
    const plain = await app.inject({ url: '/ui/assets/app-ABCDEF12.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);

    const gzipped = await app.inject({ url: '/ui/assets/app-ABCDEF12.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip'); // no .br copy here
    expect(gzipped.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(SCRIPT);

    const refused = await app.inject({ url: '/ui/assets/app-ABCDEF12.js', headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('answers 404 for unknown assets, unknown types and escapes from the folder', async () => {
    for (const url of ['/ui/assets/nope-ABCDEF12.js', '/ui/assets/index.html.exe', '/ui/assets/..%2Findex.html', '/ui/assets/.hidden.js']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).toBe('404 page not found\n');
    }
  });

  it('says plainly when the UI is not built', async () => {
    const response = await missing.inject({ url: '/' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('the web UI is not built');
    expect(response.body).toContain('npm run build');
  });

  it('reads Accept-Encoding with q-values', () => {
    expect([...acceptedEncodings('gzip, deflate, br;q=0.5')]).toEqual(['gzip', 'deflate', 'br']);
    expect([...acceptedEncodings('br;q=0, gzip;q=0.0')]).toEqual([]);
    expect([...acceptedEncodings('')]).toEqual([]);
  });
});
