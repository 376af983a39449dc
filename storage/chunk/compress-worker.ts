// The compression pool's thread: compresses each block it is sent with the chunk codec's own
// synchronous call, in the form its chunk format stores (the same bytes as inline), and sends the
// result back, its buffer transferred.

import { parentPort } from 'node:worker_threads';
import { compressBlock } from './block-sections.js';
import { CHUNK_FORMATS } from './chunk-format.js';
import { codecFor, isEncoding } from './encoding.js';
import type { CompressReply, CompressRequest } from './compress-pool.js';

const port = parentPort;
if (port === null) throw new Error('compress-worker runs as a worker thread');

port.on('message', (request: CompressRequest) => {
  let reply: CompressReply;
  let transfer: ArrayBuffer[] = [];
  try {
    if (!isEncoding(request.encoding)) throw new RangeError(`unknown chunk encoding: ${String(request.encoding)}`);
    if (!CHUNK_FORMATS.includes(request.format)) throw new RangeError(`unknown chunk format: ${String(request.format)}`);
    const compressed = compressBlock(request.format, codecFor(request.encoding), request.raw);
    // An exact copy, so the whole ArrayBuffer sent is the block and nothing else.
    const data = new Uint8Array(compressed.length);
    data.set(compressed);
    reply = { id: request.id, data };
    transfer = [data.buffer];
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, transfer);
});
