// The entry of a store-scan worker thread: runs each task it is sent and posts the result (or
// the error) back under the task's id. Sample arrays are transferred, not copied.

import { parentPort } from 'node:worker_threads';
import { runScanTask, type ScanTask } from './scan-task.js';
import type { WorkerReply } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('scan-worker.ts runs only as a worker thread');

port.on('message', (message: { readonly id: number; readonly task: ScanTask }) => {
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const result = runScanTask(message.task);
    // A buffer may be listed once only; a batch's arrays always own theirs, but say so here.
    const buffers = new Set<ArrayBuffer>();
    for (const batch of result.sampleBatches ?? []) for (const bytes of [batch.ts, batch.values, batch.hashes]) buffers.add(bytes.buffer as ArrayBuffer);
    transfer.push(...buffers);
    reply = { id: message.id, result };
  } catch (error) {
    const e = error as { name?: unknown; message?: unknown; code?: unknown };
    reply = {
      id: message.id,
      error: {
        name: typeof e?.name === 'string' ? e.name : 'Error',
        message: typeof e?.message === 'string' ? e.message : String(error),
        ...(typeof e?.code === 'string' ? { code: e.code } : {}),
      },
    };
  }
  port.postMessage(reply, transfer);
});
