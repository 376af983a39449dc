// `norn agent`: Promtail's job. The Agent class for embedding; the command for bin/norn.ts.

export { Agent, type AgentOptions } from './agent.js';
export { loadAgentConfig, parseAgentConfig, type AgentConfig } from './config.js';
export { runAgentCommand, toolLogger } from './command.js';
export { AgentConfigError } from './errors.js';
