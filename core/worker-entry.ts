// How a module starts a worker thread on its sibling script, both from the build (`.js` beside
// it) and from TypeScript sources under tsx (tests, benchmarks), where a worker must register
// tsx's loader before it can import a `.ts` file.

export interface WorkerEntry {
  readonly script: string | URL;
  readonly eval: boolean;
}

/** `name` without extension, resolved beside `callerUrl` (the caller's `import.meta.url`). */
export function workerEntry(callerUrl: string, name: string): WorkerEntry {
  if (!callerUrl.endsWith('.ts')) return { script: new URL(`./${name}.js`, callerUrl), eval: false };
  const source = new URL(`./${name}.ts`, callerUrl).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return {
    script: `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`,
    eval: true,
  };
}
