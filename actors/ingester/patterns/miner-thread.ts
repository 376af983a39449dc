// The pattern-mining thread: a PatternStore fed by the ingester's batches. Its clock is the
// ingester's, carried on each message, so injected clocks in tests hold here too.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { PatternStore } from './store.js';
import { decodePush } from '../protocol-codec.js';
import type { FromMiner, ToMiner } from './thread-protocol.js';

const port = parentPort;
if (port === null) throw new Error('miner-thread runs as a worker thread');

/**
 * Mining is best effort (lines past the backlog are dropped) and a push must not wait for it, but
 * on a busy host this thread and the push thread share cores, and each push's post wakes this
 * thread, which then took the core from the push thread (bench:push saw posts stall 20-46 ms).
 * A lower priority for this thread alone (Linux: a thread's id set apart from its process's)
 * leaves the push thread first in line. Where that cannot be done, the thread runs as it is.
 */
const MINER_NICENESS = 10;

function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(threadId) && threadId > 0 && threadId !== process.pid) setPriority(threadId, MINER_NICENESS);
  } catch {
    // Not Linux, or not allowed: mining shares the cores as before.
  }
}

lowerThisThreadsPriority();

let nowMs = Date.now();
const store = new PatternStore(() => nowMs);

port.on('message', (message: ToMiner) => {
  nowMs = message.nowMs;
  if (message.kind === 'observe') {
    let lines = 0;
    for (const item of message.streams) {
      if ('encoded' in item) {
        observePush(item.encoded);
        lines += item.lines;
        continue;
      }
      store.observeLines(item.tenant, item.labelString, item.labels, item.timesMs, item.lines);
      lines += item.lines.length;
    }
    port.postMessage({ kind: 'observed', lines } satisfies FromMiner);
    return;
  }
  try {
    const { range } = message;
    const patterns = store.query(range.tenant, range.selector, range.startMs, range.endMs, range.stepMs);
    port.postMessage({ kind: 'answer', id: message.id, patterns } satisfies FromMiner);
  } catch (error) {
    port.postMessage({ kind: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) } satisfies FromMiner);
  }
});

/** Mines a push in its binary form (the ingester decoded the same bytes already, so they are well formed). */
function observePush(encoded: Uint8Array): void {
  let request;
  try {
    request = decodePush(encoded);
  } catch {
    return;
  }
  for (const stream of request.streams) store.observe(request.tenant, stream.labelString, stream.labels, stream.entries);
}
