// `| json | <label filter>` with nothing before the parser that sets a label: most lines of
// such a query fail the filter, and a line the filter drops needs none of its other labels. So
// the filter is first tried on the values the parse would give the few names it reads
// (`json-lookup.ts`); a line that fails there is dropped without flattening it, and only a line
// that may pass is parsed in full and filtered again for real, which gives exactly the labels,
// errors and decision of the two stages run one after the other.

import type { LabelFilter } from '../../syntax/ast.js';
import { compileLabelFilter, labelFilterNames, type FilterLabels } from '../label-filter.js';
import { ERROR_DETAILS_LABEL, ERROR_LABEL, type LabelsBuilder } from '../labels-builder.js';
import type { StageFn } from '../stage.js';
import { jsonStage } from './json.js';
import { JsonLookup } from './json-lookup.js';

const EXTRACTED = '_extracted';

/** The json stage and the label filter after it, as one stage. */
export function jsonFilteredStage(filter: LabelFilter): StageFn {
  const parse = jsonStage(undefined);
  const test = compileLabelFilter(filter);
  const names = labelFilterNames(filter);
  // The parse's error is not known without the whole line: a filter that reads it runs in full.
  if (names.includes(ERROR_LABEL) || names.includes(ERROR_DETAILS_LABEL)) {
    return (line, lb) => (parse(line, lb) !== null && test(lb) ? line : null);
  }
  const probe = new ParsedProbe(names);
  return (line, lb) => {
    if (probe.drops(line, lb, test)) return null;
    parse(line, lb);
    return test(lb) ? line : null;
  };
}

/** A line's labels as a label filter would read them after the json parse, for a few names. */
class ParsedProbe implements FilterLabels {
  /** For each name, the flattened key the parse would write it from (undefined: none, it keeps its value). */
  private readonly sources: (string | undefined)[];
  private readonly values: (string | undefined)[];
  /** For a name `x_extracted`, `x`: the parse also writes the name from the key `x` when `x` is taken. */
  private readonly bases: readonly (string | undefined)[];
  private readonly lookup = new JsonLookup('');
  private lb: LabelsBuilder | undefined;

  constructor(private readonly names: readonly string[]) {
    this.sources = names.map(() => undefined);
    this.values = names.map(() => undefined);
    this.bases = names.map((name) => (name.endsWith(EXTRACTED) ? name.slice(0, -EXTRACTED.length) : undefined));
  }

  /** True when the filter surely drops the line after the parse; false when it may keep it. */
  drops(line: string, lb: LabelsBuilder, test: (labels: FilterLabels) => boolean): boolean {
    for (let k = 0; k < this.names.length; k++) {
      const name = this.names[k]!;
      // The parse writes `name` from the key `name`, unless a stream label or metadata has
      // it; and from the key `x` when `name` is `x_extracted` and `x` is taken that way.
      const direct = lb.parsedName(name) === name ? name : undefined;
      const base = this.bases[k];
      const renamed = base !== undefined && lb.parsedName(base) === name ? base : undefined;
      // Two keys race for the name (whichever comes first wins): leave it to the full parse.
      if (direct !== undefined && renamed !== undefined) return false;
      this.sources[k] = direct ?? renamed;
    }
    this.lookup.lookupIn(line, this.sources, this.values);
    this.lb = lb;
    const kept = test(this);
    this.lb = undefined;
    return !kept;
  }

  get(name: string): string | undefined {
    const k = this.names.indexOf(name);
    if (k >= 0 && this.sources[k] !== undefined && this.values[k] !== undefined) return this.values[k];
    return this.lb!.get(name);
  }

  filterValue(name: string): string {
    return this.get(name) ?? '';
  }

  /** A conversion error keeps the line: the full parse then sets it for real. */
  setError(): void {}
}
