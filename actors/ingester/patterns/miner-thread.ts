// The pattern-mining thread: a PatternStore fed by the ingester's batches. Its clock is the
// ingester's, carried on each message, so injected clocks in tests hold here too.

import { parentPort } from 'node:worker_threads';
import { PatternStore } from './store.js';
import type { FromMiner, ToMiner } from './thread-protocol.js';

const port = parentPort;
if (port === null) throw new Error('miner-thread runs as a worker thread');

let nowMs = Date.now();
const store = new PatternStore(() => nowMs);

port.on('message', (message: ToMiner) => {
  nowMs = message.nowMs;
  if (message.kind === 'observe') {
    let lines = 0;
    for (const stream of message.streams) {
      store.observeLines(stream.tenant, stream.labelString, stream.labels, stream.timesMs, stream.lines);
      lines += stream.lines.length;
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
