// Cleanup for benchmarks that start processes and temp dirs: run on normal completion, on an
// error, and on SIGINT/SIGTERM (a killed benchmark must not leave servers or data behind; the
// default signal handling would skip `finally` blocks and 'exit' hooks alike).

type Step = () => unknown;

export function runWithCleanup(main: (defer: (step: Step) => void) => Promise<void>): void {
  const steps: Step[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      for (const step of steps.reverse()) {
        try {
          await step();
        } catch {
          // Best effort: one failed step must not keep the others from running.
        }
      }
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  main((step) => steps.push(step))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => cleanup());
}
