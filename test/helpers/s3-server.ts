// A real S3 protocol server on loopback for tests: s3rver (in-process, files in a temp dir) on a
// free 127.0.0.1 port. stop()/start() take it down and bring it back on the same port with the
// same data, for outage tests; close() also removes the data. `spawnS3Server` runs it as a
// separate process (s3-server-main.ts) that a chaos test can kill outright.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET_KEY = 'S3RVER';

export interface S3ServerOptions {
  /** 0 (default) picks a free port on the first start. */
  readonly port?: number;
  /** Where objects are kept; a fresh temp dir (removed by close()) when omitted. */
  readonly directory?: string;
  readonly bucket?: string;
}

export interface S3ServerHandle {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  readonly port: number;
  readonly directory: string;
  /**
   * Stops serving. Objects stay on disk for start(); a temp directory this helper created is
   * removed when the process exits (or by close()).
   */
  stop(): Promise<void>;
  /** Serves again on the same port with the same objects. */
  start(): Promise<void>;
  /** Stops and removes the data directory if this helper created it. */
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

patchDesForS3rver();
atomicS3rverPuts();
serializeS3rverPuts();

/**
 * s3rver writes an object's file in place (truncate, then write), so a GET of a key while the
 * same key is PUT again (replicas flushing one content-addressed chunk) reads an empty or a
 * partial object, which no real S3 ever serves: there a PUT is atomic. Here each file of a PUT
 * (data, md5, metadata) is written beside its place and renamed over it, so a reader opens
 * either the old file or the new one, whole. Temp names do not end in s3rver's object suffix,
 * so listings never show them.
 */
function atomicS3rverPuts(): void {
  interface PutObject {
    readonly bucket: string;
    readonly key: string;
    readonly content: Buffer | NodeJS.ReadableStream;
    readonly metadata: Record<string, string>;
  }
  interface Store {
    getResourcePath(bucket: string, key: string, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
    putObject(object: PutObject): Promise<{ size: number; md5: string }>;
  }
  const load = createRequire(import.meta.url);
  const { prototype } = load('s3rver/lib/stores/filesystem.js') as { prototype: Store };
  const allowed = new Set((load('s3rver/lib/models/object.js') as { ALLOWED_METADATA: string[] }).ALLOWED_METADATA);
  let sequence = 0;
  const writeAtomically = async (file: string, data: string | Buffer): Promise<void> => {
    const temp = `${file}.${process.pid}.${sequence++}.tmp`;
    await fsp.writeFile(temp, data);
    await fsp.rename(temp, file);
  };
  prototype.putMetadata = async function (this: Store, bucket, key, metadata, md5) {
    const json: Record<string, string> = {};
    for (const [name, value] of Object.entries(metadata)) if (allowed.has(name) || name.startsWith('x-amz-meta-')) json[name] = value;
    if (md5) await writeAtomically(this.getResourcePath(bucket, key, 'object.md5'), md5);
    await writeAtomically(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2));
  };
  prototype.putObject = async function (this: Store, object) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await fsp.mkdir(path.dirname(objectPath), { recursive: true });
    let content: Buffer;
    if (Buffer.isBuffer(object.content)) content = object.content;
    else {
      const parts: Buffer[] = [];
      for await (const part of object.content as AsyncIterable<Buffer | string>) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part));
      content = Buffer.concat(parts);
    }
    const md5 = crypto.createHash('md5').update(content).digest('hex');
    const temp = `${objectPath}.${process.pid}.${sequence++}.tmp`;
    await fsp.writeFile(temp, content);
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    await fsp.rename(temp, objectPath);
    return { size: content.length, md5 };
  };
}

/**
 * s3rver writes an object's data and then its metadata file in place, so two PUTs of one key at
 * once (replicas writing the same content-addressed object) can leave a truncated metadata file,
 * and every later listing of that prefix fails with a 500 (`Unexpected end of JSON input`). A
 * real S3 makes each PUT atomic; PUTs of one key are run one after the other here to the same
 * effect.
 */
function serializeS3rverPuts(): void {
  type Store = { putObject(object: { bucket: string; key: string }): Promise<unknown> };
  const { prototype } = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js') as { prototype: Store };
  const original = prototype.putObject;
  const tails = new Map<string, Promise<unknown>>();
  prototype.putObject = function (this: Store, object) {
    const id = `${object.bucket}/${object.key}`;
    const previous = tails.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => original.call(this, object));
    tails.set(id, next);
    void next.finally(() => {
      if (tails.get(id) === next) tails.delete(id);
    }).catch(() => undefined);
    return next;
  };
}

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which Node 20's OpenSSL 3
 * no longer provides, so every truncated listing fails with a 500. Triple DES (EDE with the key
 * repeated, which is DES itself) is still there and has the same 8-byte block and IV; only the
 * 'des' algorithm, which cannot work otherwise, is redirected.
 */
function patchDesForS3rver(): void {
  const marker = Symbol.for('norn.s3rver.desPatch');
  const target = crypto as unknown as Record<symbol, boolean>;
  if (target[marker]) return;
  target[marker] = true;
  const tripled = (key: crypto.CipherKey): Buffer => {
    const single = Buffer.from(key as Buffer);
    return Buffer.concat([single, single, single]);
  };
  const createCipheriv = crypto.createCipheriv;
  const createDecipheriv = crypto.createDecipheriv;
  const patchedCipher = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) =>
    algorithm === 'des'
      ? createCipheriv('des-ede3-cbc', tripled(key), iv)
      : (createCipheriv as (...args: unknown[]) => crypto.Cipher)(algorithm, key, iv, options);
  const patchedDecipher = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) =>
    algorithm === 'des'
      ? createDecipheriv('des-ede3-cbc', tripled(key), iv)
      : (createDecipheriv as (...args: unknown[]) => crypto.Decipher)(algorithm, key, iv, options);
  Object.assign(crypto, { createCipheriv: patchedCipher, createDecipheriv: patchedDecipher });
}

const ownedDirectories = new Set<string>();
let cleanupRegistered = false;

function makeOwnedDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'norn-s3-'));
  ownedDirectories.add(directory);
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('exit', () => {
      for (const dir of ownedDirectories) rmSync(dir, { recursive: true, force: true });
    });
  }
  return directory;
}

function removeOwnedDirectory(directory: string): void {
  ownedDirectories.delete(directory);
  rmSync(directory, { recursive: true, force: true });
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3ServerHandle> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? makeOwnedDirectory();
  const bucket = options.bucket ?? 'norn-test';
  let port = options.port ?? 0;
  let running: S3rverInstance | undefined;

  const start = async (): Promise<void> => {
    if (running !== undefined) return;
    const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, resetOnClose: false });
    const address = await server.run();
    port = address.port;
    running = server;
  };
  const stop = async (): Promise<void> => {
    const server = running;
    running = undefined;
    if (server !== undefined) await server.close();
  };
  await start();
  return {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    accessKey: S3RVER_ACCESS_KEY,
    secretKey: S3RVER_SECRET_KEY,
    bucket,
    get port() {
      return port;
    },
    directory,
    start,
    stop,
    async close() {
      await stop();
      if (ownsDirectory) removeOwnedDirectory(directory);
    },
  };
}

export interface S3ServerProcess {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  readonly port: number;
  readonly directory: string;
  readonly pid: number | undefined;
  /** Sends a signal (default SIGKILL) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts a new process on the same port and directory (after kill). */
  restart(): Promise<void>;
  /** Kills the process and removes the data directory if this helper created it. */
  close(): Promise<void>;
}

const MAIN_SCRIPT = fileURLToPath(new URL('./s3-server-main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the S3 server as a child process (`node --import tsx s3-server-main.ts`). */
export async function spawnS3Server(options: S3ServerOptions = {}): Promise<S3ServerProcess> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? makeOwnedDirectory();
  const bucket = options.bucket ?? 'norn-test';
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = ['--import', 'tsx', MAIN_SCRIPT, '--port', String(port), '--dir', directory, '--bucket', bucket];
    const proc = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    const info = await new Promise<{ port: number }>((resolve, reject) => {
      const lines = createInterface({ input: proc.stdout! });
      lines.once('line', (line) => {
        try {
          resolve(JSON.parse(line) as { port: number });
        } catch (error) {
          reject(error);
        }
      });
      proc.once('exit', (code) => reject(new Error(`s3 server process exited with ${code} before starting`)));
      proc.once('error', reject);
    });
    port = info.port;
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };
  await launch();
  return {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    accessKey: S3RVER_ACCESS_KEY,
    secretKey: S3RVER_SECRET_KEY,
    bucket,
    get port() {
      return port;
    },
    directory,
    get pid() {
      return child?.pid;
    },
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async close() {
      await kill();
      if (ownsDirectory) removeOwnedDirectory(directory);
    },
  };
}
