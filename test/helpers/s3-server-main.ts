// Runs the loopback S3 server as its own process, for tests that kill and restart storage:
//   node --import tsx test/helpers/s3-server-main.ts [--port N] [--dir DIR] [--bucket B]
// Prints one JSON line {endpoint, accessKey, secretKey, bucket, port, directory} once serving;
// exits cleanly on SIGTERM or SIGINT.

import { parseArgs } from 'node:util';
import { startS3Server } from './s3-server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    dir: { type: 'string' },
    bucket: { type: 'string', default: 'norn-test' },
  },
});

const server = await startS3Server({ port: Number(values.port), directory: values.dir, bucket: values.bucket });
process.stdout.write(
  JSON.stringify({
    endpoint: server.endpoint,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    bucket: server.bucket,
    port: server.port,
    directory: server.directory,
  }) + '\n',
);

const shutdown = (): void => {
  // An explicit --dir is the caller's to keep; a temp dir goes with the process.
  const done = values.dir === undefined ? server.close() : server.stop();
  done.then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
