// A small module system in the manner of dskit's `modules.Manager`: each module names the modules
// it depends on, a target is a set of modules, and starting a target starts its modules and their
// dependencies in dependency order. Stopping runs in the reverse order, so a module never outlives
// what it uses (the HTTP edge closes before the ingester leaves; the bus closes last).

import { NornError } from '../core/errors.js';

export interface ModuleContext {
  /** The running instance of a module this one depends on. */
  get<T>(name: string): T;
  /** The running instance of a module, when the target runs it; for optional collaborators. */
  find<T>(name: string): T | undefined;
}

export interface ModuleDefinition<T = unknown> {
  /** Modules that must be running before this one starts. */
  readonly deps: readonly string[];
  start(context: ModuleContext): Promise<T> | T;
  /** Stops the instance; errors are logged by the caller and do not stop the others. */
  stop?(instance: T): Promise<void> | void;
}

export class ModuleGraphError extends NornError {
  constructor(message: string) {
    super('MODULE_GRAPH', message);
  }
}

/** The modules a target needs, dependencies first, each once. */
export function startOrder(modules: Readonly<Record<string, ModuleDefinition>>, wanted: readonly string[]): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: readonly string[]): void => {
    const definition = modules[name];
    if (definition === undefined) throw new ModuleGraphError(`unknown module "${name}"${path.length > 0 ? ` (needed by ${path.at(-1)})` : ''}`);
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new ModuleGraphError(`module dependency cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of definition.deps) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of wanted) visit(name, []);
  return order;
}

export interface RunningModules {
  readonly instances: ReadonlyMap<string, unknown>;
  /** Stops every started module in reverse start order; reports each failure to `onError`. */
  stop(onError: (name: string, error: unknown) => void): Promise<void>;
}

/**
 * Starts the modules `wanted` needs. When one fails to start, the ones already started are
 * stopped (in reverse) before the error is rethrown, so a failed start leaves nothing running.
 */
export async function startModules(
  modules: Readonly<Record<string, ModuleDefinition>>,
  wanted: readonly string[],
  onStopError: (name: string, error: unknown) => void,
): Promise<RunningModules> {
  const instances = new Map<string, unknown>();
  const started: string[] = [];
  const context: ModuleContext = {
    get<T>(name: string): T {
      if (!instances.has(name)) throw new ModuleGraphError(`module "${name}" is not running`);
      return instances.get(name) as T;
    },
    find<T>(name: string): T | undefined {
      return instances.get(name) as T | undefined;
    },
  };
  const stop = async (onError: (name: string, error: unknown) => void): Promise<void> => {
    for (const name of [...started].reverse()) {
      const definition = modules[name]!;
      try {
        await definition.stop?.(instances.get(name));
      } catch (error) {
        onError(name, error);
      }
    }
    started.length = 0;
  };
  try {
    for (const name of startOrder(modules, wanted)) {
      instances.set(name, await modules[name]!.start(context));
      started.push(name);
    }
  } catch (error) {
    await stop(onStopError);
    throw error;
  }
  return { instances, stop };
}
