#!/usr/bin/env node
// The `norn` command: `norn run` starts a process; SIGTERM or SIGINT leaves gracefully.

import { hostname } from 'node:os';
import { pino } from 'pino';
import { startNorn } from '../app/norn.js';
import { ConfigError } from '../app/config-file.js';
import { parseRunFlags, RUN_HELP } from './cli-flags.js';

const USAGE = `Usage: norn <command> [flags]

Commands:
  run      start a Norn process (see "norn run --help")
  help     this text

Norn is a log aggregation system that speaks Loki's HTTP API and LogQL.
`;

async function run(argv: string[]): Promise<number> {
  const { config, help } = parseRunFlags(argv, hostname());
  if (help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const logger = pino({ level: config.logLevel, base: { id: config.id, target: config.target } });
  const norn = await startNorn(config, logger);
  logger.info({ address: norn.address }, 'norn is running');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now; the WAL keeps unflushed data');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'leaving gracefully: flushing or handing off in-memory data');
    norn.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'graceful stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return new Promise<number>(() => undefined);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'run':
      process.exitCode = await run(rest);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`norn: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`norn: ${error.message}\n`);
    process.exit(2);
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    process.stderr.write(`norn: cannot listen: ${(error as Error).message} (choose another --http-port)\n`);
    process.exit(1);
  }
  process.stderr.write(`norn: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
