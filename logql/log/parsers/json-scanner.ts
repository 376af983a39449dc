// A small JSON scanner that keeps each scalar's source text, as Loki's parser does: numbers are
// extracted exactly as written (`1.50` stays `1.50`), objects and arrays as their raw JSON.
// A line that is not JSON is an ordinary outcome on the hot path (a `| json` over mixed logs
// meets one per line), so failure is a status with its message, never an Error: capturing a
// stack per line cost more than the parse itself.

import { unescapeQuoted } from './unescape.js';

/** Unwinds a failed scan to its entry point; one shared object, so a failure allocates nothing. */
const FAILED: unique symbol = Symbol('json scan failed');

export type JsonNode =
  | { readonly type: 'object'; readonly raw: string; readonly entries: ReadonlyMap<string, JsonNode> }
  | { readonly type: 'array'; readonly raw: string; readonly items: readonly JsonNode[] }
  | { readonly type: 'string' | 'number' | 'bool' | 'null'; readonly raw: string; readonly text: string };

export class JsonScanner {
  protected i = 0;
  private failedWhat = '';
  private failedAt = -1;
  /** Position of the next backslash at or after the last string start (-1: none left). */
  private nextBackslash = -2;
  /** Whether the string `stringEnd` last passed holds a backslash (its text needs decoding). */
  protected lastEscaped = false;

  constructor(protected s: string) {}

  /** Starts over on another text, so one scanner can serve line after line. */
  protected restart(s: string): void {
    this.s = s;
    this.i = 0;
    this.failedWhat = '';
    this.failedAt = -1;
    this.nextBackslash = -2;
    this.lastEscaped = false;
  }

  protected ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.i);
  }

  /** Why the last scan failed, with the offset (as Loki words it); '' when it did not fail. */
  get failure(): string {
    return this.failedAt < 0 ? '' : `${this.failedWhat} at offset ${this.failedAt}`;
  }

  protected fail(what: string): never {
    this.failedWhat = what;
    this.failedAt = this.i;
    throw FAILED;
  }

  /** A failure of this scan becomes `false`; anything else (a bug, a callback's throw) goes on. */
  protected static failed(thrown: unknown): false {
    if (thrown === FAILED) return false;
    throw thrown;
  }

  /**
   * Walks a top-level object, calling `emit` for every scalar with its flattened key path.
   * Arrays are skipped; nested objects extend the path. Returns false when the line is not a
   * JSON object (`failure` says why); the scalars before the defect have been emitted.
   */
  flatten(emit: (path: readonly string[], value: string) => void): boolean {
    this.ws();
    if (this.s.charCodeAt(this.i) !== 123) {
      this.failedWhat = "Value looks like it's not an object";
      this.failedAt = this.i;
      return false;
    }
    const path: string[] = [];
    // Like Loki's object walk, anything after the closing brace is not looked at.
    try {
      this.walkObject(path, emit);
      return true;
    } catch (thrown) {
      return JsonScanner.failed(thrown);
    }
  }

  private walkObject(path: string[], emit: (path: readonly string[], value: string) => void): void {
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 34) this.fail('Expected a key string');
      const key = this.readString();
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) this.fail("Expected ':'");
      this.i++;
      this.ws();
      const c = this.s.charCodeAt(this.i);
      path.push(key);
      if (c === 123) this.walkObject(path, emit);
      else if (c === 91) this.skipValue();
      else if (c === 34) emit(path, this.readString());
      else {
        const value = this.readScalar();
        // null carries no label, as in Loki.
        if (value !== '' || this.s.charCodeAt(this.i - 1) !== 108) emit(path, value);
      }
      path.pop();
      this.ws();
      const sep = this.s.charCodeAt(this.i++);
      if (sep === 44) continue;
      if (sep === 125) return;
      this.i--;
      this.fail("Value looks like object, but can't find closing '}' symbol");
    }
  }

  /** Parses one complete JSON document into a tree that keeps raw text; undefined (see `failure`) when it is not one. */
  parseDocument(): JsonNode | undefined {
    try {
      this.ws();
      const node = this.parseValue();
      this.ws();
      if (this.i < this.s.length) this.fail('Unexpected trailing data');
      return node;
    } catch (thrown) {
      return JsonScanner.failed(thrown) || undefined;
    }
  }

  private parseValue(): JsonNode {
    const start = this.i;
    const c = this.s.charCodeAt(this.i);
    if (c === 123) {
      this.i++;
      const entries = new Map<string, JsonNode>();
      this.ws();
      if (this.s.charCodeAt(this.i) === 125) {
        this.i++;
      } else {
        for (;;) {
          this.ws();
          if (this.s.charCodeAt(this.i) !== 34) this.fail('Expected a key string');
          const key = this.readString();
          this.ws();
          if (this.s.charCodeAt(this.i++) !== 58) this.fail("Expected ':'");
          this.ws();
          entries.set(key, this.parseValue());
          this.ws();
          const sep = this.s.charCodeAt(this.i++);
          if (sep === 44) continue;
          if (sep === 125) break;
          this.fail("Value looks like object, but can't find closing '}' symbol");
        }
      }
      return { type: 'object', raw: this.s.slice(start, this.i), entries };
    }
    if (c === 91) {
      this.i++;
      const items: JsonNode[] = [];
      this.ws();
      if (this.s.charCodeAt(this.i) === 93) {
        this.i++;
      } else {
        for (;;) {
          this.ws();
          items.push(this.parseValue());
          this.ws();
          const sep = this.s.charCodeAt(this.i++);
          if (sep === 44) continue;
          if (sep === 93) break;
          this.fail("Value is array, but can't find closing ']' symbol");
        }
      }
      return { type: 'array', raw: this.s.slice(start, this.i), items };
    }
    if (c === 34) {
      const text = this.readString();
      return { type: 'string', raw: this.s.slice(start, this.i), text };
    }
    const text = this.readScalar();
    const type = text === 'true' || text === 'false' ? 'bool' : text === '' ? 'null' : 'number';
    return { type, raw: this.s.slice(start, this.i), text };
  }

  /**
   * Passes over one value as `parseValue` reads it, failing where and as it fails, but builds
   * nothing: arrays the flattening skips, and values a lookup does not want.
   */
  protected skipValue(): void {
    const c = this.s.charCodeAt(this.i);
    if (c === 123) {
      this.i++;
      this.ws();
      if (this.s.charCodeAt(this.i) === 125) {
        this.i++;
        return;
      }
      for (;;) {
        this.ws();
        if (this.s.charCodeAt(this.i) !== 34) this.fail('Expected a key string');
        this.stringEnd();
        this.ws();
        if (this.s.charCodeAt(this.i++) !== 58) this.fail("Expected ':'");
        this.ws();
        this.skipValue();
        this.ws();
        const sep = this.s.charCodeAt(this.i++);
        if (sep === 44) continue;
        if (sep === 125) return;
        this.fail("Value looks like object, but can't find closing '}' symbol");
      }
    }
    if (c === 91) {
      this.i++;
      this.ws();
      if (this.s.charCodeAt(this.i) === 93) {
        this.i++;
        return;
      }
      for (;;) {
        this.ws();
        this.skipValue();
        this.ws();
        const sep = this.s.charCodeAt(this.i++);
        if (sep === 44) continue;
        if (sep === 93) return;
        this.fail("Value is array, but can't find closing ']' symbol");
      }
    }
    if (c === 34) this.stringEnd();
    else this.readScalar();
  }

  /** The string at `i` (its opening quote), decoded; `i` moves past its closing quote. */
  protected readString(): string {
    const start = this.i + 1;
    const close = this.stringEnd();
    return this.lastEscaped ? unescapeQuoted(this.s, start, close) : this.s.slice(start, close);
  }

  /** Moves `i` past the string at `i` and returns the position of its closing quote. */
  protected stringEnd(): number {
    const s = this.s;
    const start = this.i + 1;
    let close = s.indexOf('"', start);
    // One forward search for backslashes serves every string of the line.
    if (this.nextBackslash !== -1 && this.nextBackslash < start) this.nextBackslash = s.indexOf('\\', start);
    const backslash = this.nextBackslash;
    if (close === -1) this.fail('Cannot find end of string');
    this.lastEscaped = backslash !== -1 && backslash < close;
    if (this.lastEscaped) {
      // Escapes: find the quote that is not escaped.
      for (;;) {
        let backslashes = 0;
        for (let j = close - 1; j >= start && s.charCodeAt(j) === 92; j--) backslashes++;
        if (backslashes % 2 === 0) break;
        close = s.indexOf('"', close + 1);
        if (close === -1) this.fail('Cannot find end of string');
      }
    }
    this.i = close + 1;
    return close;
  }

  /** true / false / null (as "") / a number, as written. */
  protected readScalar(): string {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    if (c === 116 && s.startsWith('true', this.i)) {
      this.i += 4;
      return 'true';
    }
    if (c === 102 && s.startsWith('false', this.i)) {
      this.i += 5;
      return 'false';
    }
    if (c === 110 && s.startsWith('null', this.i)) {
      this.i += 4;
      return '';
    }
    const start = this.i;
    while ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69) c = s.charCodeAt(++this.i);
    if (this.i === start) this.fail('Unknown value type');
    return s.slice(start, this.i);
  }
}
