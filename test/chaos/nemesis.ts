// Applies faults one at a time on a schedule: a fault starts every `everyMs`, or as soon as the
// previous one has healed and the ring has settled, whichever is later. The order goes through
// the chosen kinds in shuffled rounds, so every kind comes up and a seed replays the run.
// Each fault's window (start, healed, settled) is kept for the availability figures.

import type { ChaosCluster } from './cluster.js';
import { FAULTS, type Blast, type FaultKind, type FaultTimings } from './faults.js';
import { sleep, type SeededRandom } from './random.js';

export interface FaultWindow {
  readonly index: number;
  readonly kind: FaultKind;
  readonly blast: Blast;
  readonly target: string;
  readonly note: string;
  readonly startMs: number;
  /** When the fault had been undone (the process restarted, the server back). */
  readonly healedMs: number;
  /** When the ring showed every running ingester ACTIVE and healthy again. */
  readonly settledMs: number;
  /** The fault's own failure (a restart that did not come up), if any. */
  readonly error?: string;
}

export interface NemesisOptions {
  readonly cluster: ChaosCluster;
  readonly kinds: readonly FaultKind[];
  readonly everyMs: number;
  /** Faults should be over by this time (ms since the epoch): none starts that would not be. */
  readonly endMs: number;
  readonly random: SeededRandom;
  readonly timings: FaultTimings;
  /** How many ingesters the cluster should run; a fault that left fewer is repaired. */
  readonly ingesters: number;
  readonly log: (message: string) => void;
}

export async function runNemesis(options: NemesisOptions, firstStartMs: number): Promise<FaultWindow[]> {
  const { cluster, random } = options;
  const windows: FaultWindow[] = [];
  let queue: FaultKind[] = [];
  let nextStart = firstStartMs;
  const fits = (kind: FaultKind): boolean => nextStart + FAULTS[kind].estimateMs(options.timings, options.ingesters) <= options.endMs;
  while (options.kinds.some(fits)) {
    if (queue.length === 0) queue = random.shuffle(options.kinds);
    // Near the end, a long fault (an S3 outage) gives way to one that fits; it stays queued.
    const at = queue.findIndex(fits);
    if (at < 0) {
      queue = [];
      continue;
    }
    const kind = queue.splice(at, 1)[0]!;
    const spec = FAULTS[kind];
    await sleep(Math.max(0, nextStart - Date.now()));
    const startMs = Date.now();
    options.log(`fault ${windows.length + 1}: ${kind} (${spec.description})`);
    let target = '';
    let note = '';
    let error: string | undefined;
    try {
      const outcome = await spec.run({ cluster, random, timings: options.timings });
      target = outcome.target;
      note = outcome.note ?? '';
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message.split('\n')[0]! : String(thrown);
      options.log(`fault ${windows.length + 1} failed: ${error}`);
    }
    const healedMs = Date.now();
    await repair(options);
    await cluster.waitForSteadyRing(healedMs);
    const settledMs = Date.now();
    windows.push({ index: windows.length + 1, kind, blast: spec.blast, target, note, startMs, healedMs, settledMs, ...(error !== undefined ? { error } : {}) });
    options.log(`fault ${windows.length}: ${kind} ${target} healed in ${((healedMs - startMs) / 1000).toFixed(1)} s, settled in ${((settledMs - startMs) / 1000).toFixed(1)} s${note ? ` (${note})` : ''}`);
    nextStart = Math.max(startMs + options.everyMs, settledMs + 1_000);
  }
  return windows;
}

/** Brings the cluster back to its size if a fault left it short (a restart that failed). */
async function repair(options: NemesisOptions): Promise<void> {
  const { cluster } = options;
  for (let attempt = 0; attempt < 2 && cluster.runningIds().length < options.ingesters; attempt++) {
    const missing = options.ingesters - cluster.runningIds().length;
    const ids = cluster.idleIds().slice(0, missing);
    options.log(`repairing: starting ${ids.join(', ')}`);
    await Promise.allSettled(ids.map((id) => cluster.startIngester(id)));
  }
}
