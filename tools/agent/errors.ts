// The agent's typed errors: a configuration that cannot run (exit 2) and a stage that cannot
// be built from its settings (reported as a configuration error, naming the stage).

export class AgentConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentConfigError';
  }
}
