// What flows through a pipeline: one log entry with its labels, the values stages extracted,
// its time, its line, and the ids of the read lines it stands for (several after multiline), so
// the file's position advances only once those lines are acknowledged or dropped.

export interface PipelineEntry {
  labels: Record<string, string>;
  extracted: Record<string, string>;
  tsNs: bigint;
  line: string;
  ids: number[];
}

export type Emit = (entry: PipelineEntry) => void;

export interface Stage {
  readonly name: string;
  /** Passes the entry on with `emit`, zero (dropped, or held back) or more times. */
  process(entry: PipelineEntry, emit: Emit): void;
  /** Lets a stage that holds entries back (multiline) release those that waited too long. */
  flush?(nowMs: number, emit: Emit, force: boolean): void;
}

/** Called with the ids of entries a stage dropped, and why. */
export type OnDrop = (ids: readonly number[], reason: string) => void;
