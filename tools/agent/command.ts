// `norn agent`: flags, the config, the metrics port, signals.

import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { Agent } from './agent.js';
import { loadAgentConfig } from './config.js';
import { durationMs } from './durations.js';
import { AgentConfigError } from './errors.js';
import { AGENT_HELP } from './help.js';
import { serveMetrics } from './http.js';

export function toolLogger(level: string, name: string): Logger {
  const options = { level, base: { id: name } };
  if (process.stdout.isTTY !== true || process.env['NORN_LOG_FORMAT'] === 'json') return pino(options);
  return pino(options, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', messageFormat: '[{id}] {msg}', ignore: 'pid,hostname,id' }));
}

export async function runAgentCommand(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        'config.file': { type: 'string' },
        'config.expand-env': { type: 'boolean' },
        'log-level': { type: 'string' },
        'shutdown-timeout': { type: 'string' },
        'check-config': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`norn agent: ${(error as Error).message}\nRun "norn agent --help" for usage.\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(AGENT_HELP);
    return 0;
  }
  const file = values.config ?? values['config.file'];
  let agent: Agent;
  let logger: Logger;
  let shutdownTimeoutMs: number;
  try {
    if (file === undefined) throw new AgentConfigError('--config FILE is required');
    shutdownTimeoutMs = durationMs(values['shutdown-timeout'] ?? '10s', '--shutdown-timeout');
    const config = loadAgentConfig(file, { expandEnv: values['config.expand-env'] === true });
    logger = toolLogger(values['log-level'] ?? 'info', 'norn-agent');
    agent = new Agent(config, logger, { shutdownTimeoutMs });
    if (values['check-config'] === true) {
      process.stdout.write(`${file}: valid (${config.scrapeConfigs.length} scrape configs, ${config.clients.length} clients)\n`);
      return 0;
    }
    if (!config.server.disable) {
      const { port } = await serveMetrics(agent.metrics.registry, config.server.httpListenAddress, config.server.httpListenPort, () => true);
      logger.info({ port }, 'serving /metrics');
    }
  } catch (error) {
    if (error instanceof AgentConfigError) {
      process.stderr.write(`norn agent: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`norn agent: ${(error as Error).message}\n`);
    return 1;
  }
  await agent.start();
  logger.info({ files: agent.files() }, 'norn agent is running');
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.info({ signal }, 'stopping: sending what was read, then saving positions');
      agent.stop().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  }).then((code) => process.exit(code));
}
