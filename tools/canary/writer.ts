// Writes the canary's lines: `seq=<n> run=<id> ts=<ns> ppp...` padded to --size bytes, through
// the push API (Loki JSON) or appended to a file that an agent ships. Each write's outcome is
// recorded as the writer saw it, for the checker.

import { appendFile } from 'node:fs/promises';
import type { Outcome, WrittenLine } from './line.js';

export interface WriterTarget {
  /** Push to `${addr}/loki/api/v1/push`, or append to this file. */
  readonly addr: string;
  readonly outputFile?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export function canaryLine(seq: number, runId: string, tsNs: bigint, size: number): string {
  const head = `seq=${seq} run=${runId} ts=${tsNs}`;
  return head.length + 1 >= size ? head : `${head} ${'p'.repeat(size - head.length - 1)}`;
}

/** The sequence number of a line of run `runId`, or undefined for any other line. */
export function ourSeq(line: string, runId: string): number | undefined {
  const match = /^seq=(\d+) run=(\S+) /.exec(`${line} `);
  return match !== null && match[2] === runId ? Number(match[1]) : undefined;
}

export async function writeLine(target: WriterTarget, line: WrittenLine): Promise<{ outcome: Outcome; detail?: string }> {
  if (target.outputFile !== undefined) {
    try {
      await appendFile(target.outputFile, `${line.line}\n`);
      return { outcome: 'ok' };
    } catch (error) {
      return { outcome: 'failed', detail: (error as Error).message };
    }
  }
  const body = JSON.stringify({ streams: [{ stream: target.labels, values: [[String(line.tsNs), line.line]] }] });
  try {
    const response = await fetch(`${target.addr}/loki/api/v1/push`, {
      method: 'POST',
      headers: { ...target.headers, 'Content-Type': 'application/json' },
      body,
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    const text = await response.text();
    return response.status >= 200 && response.status < 300 ? { outcome: 'ok' } : { outcome: 'failed', detail: `${response.status} ${text.slice(0, 200)}` };
  } catch (error) {
    return { outcome: 'unknown', detail: (error as Error).message };
  }
}
