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

export class LabelsBuilder {
  readonly stream: Labels;
  private readonly streamValues: Map<string, string>;
  private readonly streamString: string;
  private added = new Map<string, string>();
  private metadataNames = new Set<string>();
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
    if (this.added.size > 0) this.added = new Map();
    if (this.metadataNames.size > 0) this.metadataNames = new Set();
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
    this.added.set(name, value);
    this.deleted.delete(name);
  }

  /** Adds structured metadata; a stream label of the same name wins. */
  addMetadata(metadata: Labels): void {
    for (const { name, value } of metadata) {
      const target = this.streamValues.has(name) ? name + EXTRACTED_SUFFIX : name;
      this.metadataNames.add(target);
      this.set(target, value);
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
    this.added.delete(name);
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
    const out: Label[] = [];
    for (const l of this.stream) if (!this.deleted.has(l.name) && !this.added.has(l.name)) out.push(l);
    // An empty value is no label (Loki drops them when a series' labels are read back).
    for (const [name, value] of this.added) if (value !== '') out.push({ name, value });
    if (this.error !== '') out.push({ name: ERROR_LABEL, value: this.error });
    if (this.errorDetails !== '') out.push({ name: ERROR_DETAILS_LABEL, value: this.errorDetails });
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.cached = { labels: out, key: labelsToString(out) };
    return this.cached;
  }
}
