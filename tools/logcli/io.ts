// Where a command writes and what it knows of its terminal, passed in so nothing reads the
// process's globals directly.

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly stdoutTTY: boolean;
  readonly stderrTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  readStdin(): Promise<string>;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM): a tail ends cleanly. */
  readonly interrupted: Promise<void>;
}

export function processIo(): Io {
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    stdoutTTY: process.stdout.isTTY === true,
    stderrTTY: process.stderr.isTTY === true,
    env: process.env,
    interrupted,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
