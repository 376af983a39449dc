// What every pipeline stage compiles to: a function over one line and its labels builder that
// returns the (possibly rewritten) line, or null when the stage drops it.

import type { LabelsBuilder } from './labels-builder.js';

export type StageFn = (line: string, lb: LabelsBuilder, ts: bigint) => string | null;
