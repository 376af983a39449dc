// Options normalized once per iterate() call, shared by every block and the head block.

import type { Direction, IterateOptions, ScanStats } from './scan.js';

export interface ScanPlan {
  readonly from: bigint;
  readonly through: bigint;
  readonly direction: Direction;
  /** Non-empty patterns, longest first: the longest is searched for, the rest confirmed per line. */
  readonly patterns: readonly Buffer[];
  /**
   * The same patterns as strings when every one is valid UTF-8, for matching in-memory lines
   * without encoding them (UTF-8 is self-synchronizing, so string containment equals byte
   * containment then); undefined otherwise.
   */
  readonly patternStrings: readonly string[] | undefined;
  readonly stats: ScanStats | undefined;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

export function planScan(options: IterateOptions): ScanPlan {
  const { from, through, direction } = options;
  if (typeof from !== 'bigint' || typeof through !== 'bigint') {
    throw new TypeError('iterate: from and through must be bigint nanoseconds');
  }
  if (direction !== 'forward' && direction !== 'backward') {
    throw new TypeError(`iterate: direction must be 'forward' or 'backward', got ${String(direction)}`);
  }
  const seen = new Set<string>();
  const patterns: Buffer[] = [];
  for (const pattern of options.mustContain ?? []) {
    if (pattern.length === 0) continue;
    const buf = Buffer.from(pattern.buffer, pattern.byteOffset, pattern.byteLength);
    const key = buf.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    patterns.push(buf);
  }
  patterns.sort((a, b) => b.length - a.length);
  return { from, through, direction, patterns, patternStrings: toStrings(patterns), stats: options.stats };
}

/** Whether `buf[start, end)` holds every pattern after the first (the one already found there). */
export function holdsOtherPatterns(plan: ScanPlan, buf: Buffer, start: number, end: number): boolean {
  const patterns = plan.patterns;
  if (patterns.length === 1) return true;
  const line = buf.subarray(start, end);
  for (let k = 1; k < patterns.length; k++) if (line.indexOf(patterns[k]!) < 0) return false;
  return true;
}

function toStrings(patterns: readonly Buffer[]): string[] | undefined {
  const strings: string[] = [];
  for (const pattern of patterns) {
    try {
      strings.push(STRICT_UTF8.decode(pattern));
    } catch {
      return undefined;
    }
  }
  return strings;
}
