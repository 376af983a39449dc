#!/usr/bin/env node
// The `norn` command: `norn run` starts a process; SIGTERM or SIGINT leaves gracefully.

import { hostname } from 'node:os';
import { buildInfo } from '../app/build-info.js';
import { ConfigError } from '../app/config-file.js';
import { isQueryCommand, processIo, runQueryCommand } from '../tools/logcli/index.js';
import { parseRunFlags, RUN_HELP, UsageError } from './cli-flags.js';
import { createLogger, defaultLogFormat, processName } from './logger.js';

const USAGE = `Usage: norn <command> [flags]

Commands:
  run            start a Norn process (see "norn run --help")
  query          run a LogQL range query, or follow one with --tail
  instant-query  run a LogQL instant query
  labels         list label names, or one label's values
  series         list the streams that match selectors
  stats          index statistics of the matching streams
  volume         bytes per stream (or per label) of the matching streams
  fmt            format a LogQL query
  agent          ship log files to a Loki-compatible server (Promtail's job)
  canary         write and read back numbered lines, report what went missing
  version        print the version
  help           this text

"norn <command> --help" explains each. The query commands, the agent and the canary speak
Loki's HTTP API: they work against Norn and against any Loki.

Norn is a log aggregation system that speaks Loki's HTTP API and LogQL.
`;

async function run(argv: string[]): Promise<number> {
  const { config, help } = parseRunFlags(argv, hostname());
  if (help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const name = processName(config, argv.some((arg) => arg === '--id' || arg.startsWith('--id=')), hostname());
  const logger = createLogger(config, name, defaultLogFormat(process.env, process.stdout.isTTY === true));
  // Loaded here, so the client commands (query, agent, canary) never load the server.
  const { closeProcessThreads, startNorn } = await import('../app/norn.js');
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
      () => closeProcessThreads().finally(() => process.exit(0)),
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
    case 'agent':
      process.exitCode = await (await import('../tools/agent/index.js')).runAgentCommand(rest);
      return;
    case 'canary':
      process.exitCode = await (await import('../tools/canary/index.js')).runCanaryCommand(rest);
      return;
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`norn, version ${buildInfo().version} (node ${process.version})\n`);
      return;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    case undefined:
      process.stderr.write(USAGE);
      process.exitCode = 2;
      return;
    default:
      if (isQueryCommand(command)) {
        process.exitCode = await runQueryCommand(command, rest, processIo());
        return;
      }
      process.stderr.write(`norn: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    // A command line that does not parse is a usage error (2); a setting that cannot work is 1.
    process.stderr.write(`norn: ${error.message}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    process.stderr.write(`norn: cannot listen: ${(error as Error).message} (choose another --http-port)\n`);
    process.exit(1);
  }
  process.stderr.write(`norn: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
