// The logger of `norn run`: JSON lines for machines (the default when stdout is a pipe or a
// file), pino-pretty's coloured lines for a person when stdout is a terminal. Each process
// names itself: ingesters by their ring id, a gateway by host and port (several gateways may
// share a host), so the lines of a cluster can be told apart.

import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { NornConfig } from '../app/config.js';

export type LogFormat = 'json' | 'pretty';

export function processName(config: NornConfig, idGiven: boolean, host: string): string {
  if (config.target === 'gateway' && !idGiven) return `gateway-${host}-${config.httpPort}`;
  return config.id;
}

export function createLogger(config: NornConfig, name: string, format: LogFormat): Logger {
  const base = { id: name, target: config.target };
  if (format === 'json') return pino({ level: config.logLevel, base });
  // In this thread and synchronous: a pretty line is for the eyes, and must be out before a
  // crash exits.
  return pino({ level: config.logLevel, base }, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', messageFormat: '[{id}] {msg}', ignore: 'pid,hostname,target,id' }));
}

export function defaultLogFormat(env: NodeJS.ProcessEnv, isTTY: boolean): LogFormat {
  const chosen = env['NORN_LOG_FORMAT'];
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  return isTTY ? 'pretty' : 'json';
}
