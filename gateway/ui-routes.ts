// The built-in web UI: the bundle `ui/build.mjs` writes to `dist/ui/`, served at `/` and `/ui/`.
// Every path under /ui/ that is not an asset answers index.html, so the UI's own links can be
// opened directly. Assets carry content hashes in their names and are cached for good; brotli
// and gzip copies made at build time are picked by Accept-Encoding.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendPlainError } from './errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface UiRouteOptions {
  /** The built UI; default: `dist/ui` of the package this file belongs to. */
  readonly dir?: string;
}

/** `dist/ui` under the nearest folder above this file that holds package.json (source or build). */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'ui');
    const parent = dirname(dir);
    if (parent === dir) return join(dirname(fileURLToPath(import.meta.url)), '..', 'ui');
    dir = parent;
  }
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot);
}

/** Encodings the client accepts (`q=0` refuses one). */
export function acceptedEncodings(header: string): Set<string> {
  const accepted = new Set<string>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name !== undefined && name !== '' && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  return accepted;
}

interface Variant {
  readonly body: Buffer;
  readonly encoding?: 'br' | 'gzip';
}

/** The file's best variant for the request's Accept-Encoding, or undefined when it does not exist. */
async function readVariant(path: string, request: FastifyRequest): Promise<Variant | undefined> {
  const accepted = acceptedEncodings(String(request.headers['accept-encoding'] ?? ''));
  for (const encoding of ['br', 'gzip'] as const) {
    if (!accepted.has(encoding)) continue;
    const body = await readFile(`${path}.${encoding === 'br' ? 'br' : 'gz'}`).catch(() => undefined);
    if (body !== undefined) return { body, encoding };
  }
  const body = await readFile(path).catch(() => undefined);
  return body === undefined ? undefined : { body };
}

function send(reply: FastifyReply, variant: Variant, type: string, cacheControl: string): FastifyReply {
  reply.code(200).header('content-type', type).header('cache-control', cacheControl).header('vary', 'Accept-Encoding').header('x-content-type-options', 'nosniff');
  if (variant.encoding !== undefined) reply.header('content-encoding', variant.encoding);
  return reply.send(variant.body);
}

export function registerUiRoutes(app: FastifyInstance, options: UiRouteOptions = {}): void {
  const dir = options.dir ?? defaultUiDir();

  const index = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const variant = await readVariant(join(dir, 'index.html'), request);
    if (variant === undefined) {
      return sendPlainError(reply, 404, `the web UI is not built (no ${join(dir, 'index.html')}): run npm run build`, true);
    }
    // Always revalidated: it names the current hashed assets.
    return send(reply, variant, CONTENT_TYPES['.html']!, 'no-cache');
  };

  app.get('/', index);
  app.get('/ui', index);
  app.get('/ui/*', index);
  app.get<{ Params: { file: string } }>('/ui/assets/:file', async (request, reply) => {
    const name = request.params.file;
    const type = CONTENT_TYPES[extensionOf(name)];
    const variant = SAFE_NAME.test(name) && type !== undefined ? await readVariant(join(dir, 'assets', name), request) : undefined;
    if (variant === undefined) return sendPlainError(reply, 404, '404 page not found', true);
    const hashed = /-[A-Z0-9]{8}\.[a-z]+$/.test(name);
    return send(reply, variant, type!, hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
  });
}
