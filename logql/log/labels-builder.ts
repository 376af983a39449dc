// Per-line label state of a pipeline. Stream labels come first, then structured metadata, then
// labels parsers extract; on a name clash the earlier kind keeps the name and the later one is
// renamed `<name>_extracted`, as Loki does. Errors live beside the labels as `__error__` and
// `__error_details__` and join the output only when set. A label set to "" is no label in the
// output, so a series never splits into `{a="1"}` and `{a="1", b=""}`.

import { labelsToString, type Label, type Labels } from '../../core/model.js';

export const ERROR_LABEL = '__error__';
export const ERROR_DETAILS_LABEL = '__error_details__';
const EXTRACTED_SUFFIX = '_extracted';
const NO_CATEGORIES: { readonly metadata?: Labels; readonly parsed?: Labels } = {};
/** The `added` of a line nothing has written to; never written itself (see `writableAdded`). */
const NOTHING_ADDED: ReadonlyMap<string, string> = new Map();
const NO_METADATA_NAMES: ReadonlySet<string> = new Set();

export class LabelsBuilder {
  readonly stream: Labels;
  private readonly streamValues: Map<string, string>;
  private readonly streamString: string;
  /**
   * Labels set on this line beyond the stream's. Shared, not owned, right after `reset` and
   * `addMetadata` (the metadata-only state of the last metadata seen, reused while lines carry
   * equal metadata, as a stream's lines mostly do); the first write copies it.
   */
  private added: ReadonlyMap<string, string> = NOTHING_ADDED;
  private ownsAdded = false;
  private metadataNames: ReadonlySet<string> = NO_METADATA_NAMES;
  /** States of the metadata applied to fresh lines lately (a stream's lines carry a few distinct records). */
  private metadataStates: MetadataState[] = [];
  private nextMetadataState = 0;
  private lastState: MetadataState | undefined;
  /** The state this line shares (undefined once the line owns its labels, or has no metadata). */
  private sharedState: MetadataState | undefined;
  /** Names the parsers have written for this line, so the first value of a repeated key wins. */
  private parsed = new Set<string>();
  private deleted = new Set<string>();
  private error = '';
  private errorDetails = '';
  private cached: { labels: Labels; key: string } | undefined;
  private cachedCategories: { of: { labels: Labels; key: string }; value: { readonly metadata?: Labels; readonly parsed?: Labels } } | undefined;

  constructor(stream: Labels) {
    this.stream = stream;
    this.streamValues = new Map(stream.map((l) => [l.name, l.value]));
    this.streamString = labelsToString(stream);
  }

  reset(): void {
    this.added = NOTHING_ADDED;
    this.ownsAdded = false;
    this.sharedState = undefined;
    this.metadataNames = NO_METADATA_NAMES;
    if (this.parsed.size > 0) this.parsed = new Set();
    if (this.deleted.size > 0) this.deleted = new Set();
    this.error = '';
    this.errorDetails = '';
    this.cached = undefined;
  }

  get(name: string): string | undefined {
    const added = this.added.get(name);
    if (added !== undefined) return added;
    if (this.deleted.has(name)) return undefined;
    return this.streamValues.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The value a label filter sees: `__error__` reads the error, a missing label reads "". */
  filterValue(name: string): string {
    if (name === ERROR_LABEL) return this.error;
    if (name === ERROR_DETAILS_LABEL) return this.errorDetails;
    return this.get(name) ?? '';
  }

  /** Sets a label outright (formatting stages, renames). */
  set(name: string, value: string): void {
    this.cached = undefined;
    if (name === ERROR_LABEL) {
      this.error = value;
      return;
    }
    if (name === ERROR_DETAILS_LABEL) {
      this.errorDetails = value;
      return;
    }
    this.writableAdded().set(name, value);
    this.deleted.delete(name);
  }

  private writableAdded(): Map<string, string> {
    if (!this.ownsAdded) {
      // Copied by hand: the Map constructor goes through the iterator protocol, slower for a few entries.
      const own = new Map<string, string>();
      this.added.forEach((value, name) => own.set(name, value));
      this.added = own;
      this.ownsAdded = true;
      this.sharedState = undefined;
    }
    return this.added as Map<string, string>;
  }

  /** Adds structured metadata; a stream label of the same name wins. */
  addMetadata(metadata: Labels): void {
    // Right after `reset` (as a pipeline calls it), the state follows from the metadata alone.
    const fresh = this.added === NOTHING_ADDED && this.metadataNames === NO_METADATA_NAMES && this.deleted.size === 0 && this.parsed.size === 0 && this.error === '' && this.errorDetails === '';
    if (fresh) {
      // The same records usually come back as the same arrays; else compare their labels.
      const last = this.lastState;
      let found: MetadataState | undefined = last !== undefined && (last.source === metadata || sameLabels(last.labels, metadata)) ? last : undefined;
      if (found === undefined) found = this.metadataStates.find((state) => state.source === metadata);
      if (found === undefined) found = this.metadataStates.find((state) => sameLabels(state.labels, metadata));
      if (found !== undefined) {
        const state = found;
        this.lastState = state;
        this.added = state.added;
        this.metadataNames = state.names;
        this.sharedState = state;
        this.cached = undefined;
        return;
      }
    }
    const names = new Set(this.metadataNames);
    for (const { name, value } of metadata) {
      const target = this.streamValues.has(name) ? name + EXTRACTED_SUFFIX : name;
      names.add(target);
      this.set(target, value);
    }
    this.metadataNames = names;
    if (fresh) {
      // Owned by no line from here: the next write copies it.
      const state: MetadataState = { source: metadata, labels: metadata.map(({ name, value }) => ({ name, value })), added: this.added, names, result: undefined };
      if (this.metadataStates.length < MAX_METADATA_STATES) this.metadataStates.push(state);
      else this.metadataStates[this.nextMetadataState++ % MAX_METADATA_STATES] = state;
      this.ownsAdded = false;
      this.sharedState = state;
      this.lastState = state;
    }
  }

  /** The name a parser should write `name` under, honouring stream labels and metadata. */
  parsedName(name: string): string {
    return this.streamValues.has(name) || this.metadataNames.has(name) ? name + EXTRACTED_SUFFIX : name;
  }

  setParsed(name: string, value: string): void {
    const target = this.parsedName(name);
    this.parsed.add(target);
    this.set(target, value);
  }

  /**
   * A key a parser found in the line: kept only if no parser has written that name for this
   * line yet, so `a=1 a=2` (or `{"a":1,"a":2}`) gives `a="1"`, as Loki's parsers skip keys
   * already extracted.
   */
  setParsedFirst(name: string, value: string): void {
    const target = this.parsedName(name);
    if (this.parsed.has(target)) return;
    this.parsed.add(target);
    this.set(target, value);
  }

  delete(name: string): void {
    this.cached = undefined;
    if (name === ERROR_LABEL) {
      this.error = '';
      return;
    }
    if (name === ERROR_DETAILS_LABEL) {
      this.errorDetails = '';
      return;
    }
    if (this.added.has(name)) this.writableAdded().delete(name);
    if (this.streamValues.has(name)) this.deleted.add(name);
  }

  hasError(): boolean {
    return this.error !== '';
  }

  getError(): string {
    return this.error;
  }

  setError(error: string, details?: string): void {
    if (this.error !== '') return;
    this.cached = undefined;
    this.error = error;
    if (details !== undefined) this.errorDetails = details;
  }

  /** Every label name present now, stream labels included. */
  names(): string[] {
    const out: string[] = [];
    for (const l of this.stream) if (!this.deleted.has(l.name) && !this.added.has(l.name)) out.push(l.name);
    for (const name of this.added.keys()) out.push(name);
    if (this.error !== '') out.push(ERROR_LABEL);
    if (this.errorDetails !== '') out.push(ERROR_DETAILS_LABEL);
    return out;
  }

  /** True when the output labels are exactly the stream labels. */
  unchanged(): boolean {
    return this.added.size === 0 && this.deleted.size === 0 && this.error === '' && this.errorDetails === '';
  }

  /**
   * The output labels that are not the stream's own, split as Loki categorizes them: structured
   * metadata, and everything parsers and formatters added (`parsed`). Cached with the result.
   */
  categories(): { readonly metadata?: Labels; readonly parsed?: Labels } {
    const cached = this.result();
    if (this.cachedCategories !== undefined && this.cachedCategories.of === cached) return this.cachedCategories.value;
    let metadata: Label[] | undefined;
    let parsed: Label[] | undefined;
    for (const label of cached.labels) {
      if (!this.added.has(label.name) && label.name !== ERROR_LABEL && label.name !== ERROR_DETAILS_LABEL) continue;
      if (this.metadataNames.has(label.name) && !this.parsed.has(label.name)) (metadata ??= []).push(label);
      else (parsed ??= []).push(label);
    }
    const value = metadata === undefined && parsed === undefined ? NO_CATEGORIES : { metadata, parsed };
    this.cachedCategories = { of: cached, value };
    return value;
  }

  /** The output labels, sorted, with their canonical string (a grouping key). */
  result(): { labels: Labels; key: string } {
    if (this.cached !== undefined) return this.cached;
    if (this.unchanged()) {
      this.cached = { labels: this.stream, key: this.streamString };
      return this.cached;
    }
    // A line with nothing but its metadata has that state's labels.
    const shared = this.sharedState !== undefined && this.deleted.size === 0 && this.error === '' && this.errorDetails === '' ? this.sharedState : undefined;
    if (shared?.result !== undefined) {
      this.cached = shared.result;
      return this.cached;
    }
    const out: Label[] = [];
    for (const l of this.stream) if (!this.deleted.has(l.name) && !this.added.has(l.name)) out.push(l);
    // An empty value is no label (Loki drops them when a series' labels are read back).
    for (const [name, value] of this.added) if (value !== '') out.push({ name, value });
    if (this.error !== '') out.push({ name: ERROR_LABEL, value: this.error });
    if (this.errorDetails !== '') out.push({ name: ERROR_DETAILS_LABEL, value: this.errorDetails });
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.cached = { labels: out, key: labelsToString(out) };
    if (shared !== undefined) shared.result = this.cached;
    return this.cached;
  }
}

interface MetadataState {
  /** The array the metadata came in (Labels are never changed in place), and a copy of its labels. */
  readonly source: Labels;
  readonly labels: Labels;
  readonly added: ReadonlyMap<string, string>;
  readonly names: ReadonlySet<string>;
  result: { labels: Labels; key: string } | undefined;
}

const MAX_METADATA_STATES = 8;

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  // Values first: records of a stream mostly differ there, under the same names.
  for (let i = 0; i < a.length; i++) if (a[i]!.value !== b[i]!.value || a[i]!.name !== b[i]!.name) return false;
  return true;
}
