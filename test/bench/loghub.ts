// Reads the loghub sample logs for benchmarks, from ../shared/data/loghub beside the repo (or
// NORN_LOGHUB_DIR). One "job" per system: Apache, HDFS, Linux, ...

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOGHUB_DIR = process.env['NORN_LOGHUB_DIR'] ?? fileURLToPath(new URL('../../../shared/data/loghub/', import.meta.url));

export interface LoghubJob {
  readonly job: string;
  readonly lines: string[];
  readonly bytes: number;
}

export function loadLoghub(): LoghubJob[] {
  let files: string[];
  try {
    files = readdirSync(LOGHUB_DIR).filter((name) => name.endsWith('.log')).sort();
  } catch (error) {
    throw new Error(`loghub data not found at ${LOGHUB_DIR} (set NORN_LOGHUB_DIR): ${(error as Error).message}`);
  }
  return files.map((file) => {
    const lines = readFileSync(join(LOGHUB_DIR, file), 'utf8').split('\n').filter((line) => line.length > 0);
    return { job: file.replace(/_2k\.log$/, '').toLowerCase(), lines, bytes: lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0) };
  });
}

export function mb(bytes: number): number {
  return bytes / (1024 * 1024);
}

export function fmt(value: number, digits = 1): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
