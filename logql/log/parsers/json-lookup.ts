// The first values the json parser would give a few label names, found without flattening the
// whole line: keys are compared with the names in place, values nobody wants are passed over
// without becoming strings, objects are entered only when a wanted name lies under their key,
// and the walk ends once every name has its value (a repeated name keeps its first value, so
// nothing after that can change them). It walks the same grammar as `JsonScanner.flatten` and
// stops at the same defect, so a value found here is exactly the one the full parse sets.

import { unescapeQuoted } from './unescape.js';
import { JsonScanner } from './json-scanner.js';
import { sanitizeLabelName, sanitizesTo } from './sanitize.js';

export class JsonLookup extends JsonScanner {
  private names: readonly (string | undefined)[] = [];
  private values: (string | undefined)[] = [];
  private missing = 0;

  /**
   * Sets `values[k]` to the first value the flattening emits under the label name `names[k]`
   * (undefined: none, or `names[k]` is undefined). Failures end the walk quietly: what was
   * found before the defect stands, as in the full parse.
   */
  lookup(names: readonly (string | undefined)[], values: (string | undefined)[]): void {
    this.walkLine(names, values);
    // Nothing of the line is held after the lookup.
    this.restart('');
  }

  /** `lookup` over another line. */
  lookupIn(line: string, names: readonly (string | undefined)[], values: (string | undefined)[]): void {
    this.restart(line);
    this.lookup(names, values);
  }

  private walkLine(names: readonly (string | undefined)[], values: (string | undefined)[]): void {
    this.names = names;
    this.values = values;
    this.missing = 0;
    for (let k = 0; k < names.length; k++) {
      values[k] = undefined;
      if (names[k] !== undefined) this.missing++;
    }
    if (this.missing === 0) return;
    this.ws();
    if (this.s.charCodeAt(this.i) !== 123) return;
    try {
      this.walk(undefined);
    } catch (thrown) {
      JsonScanner.failed(thrown);
    }
  }

  /** One object whose flattened name is `prefix` (undefined: the top level); true once every name is found. */
  private walk(prefix: string | undefined): boolean {
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      return false;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 34) this.fail('Expected a key string');
      const keyStart = this.i + 1;
      const keyEnd = this.stringEnd();
      const keyEscaped = this.lastEscaped;
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) this.fail("Expected ':'");
      this.i++;
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 123) {
        const name = this.nameOf(prefix, keyStart, keyEnd, keyEscaped);
        if (this.wantsUnder(name)) {
          if (this.walk(name)) return true;
        } else {
          this.skipValue();
        }
      } else if (c === 91) {
        this.skipValue();
      } else {
        const k = this.wanted(prefix, keyStart, keyEnd, keyEscaped);
        if (k < 0) {
          this.skipValue();
        } else {
          const value = c === 34 ? this.readString() : this.readScalar();
          // null ('' from a scalar) sets no label: a later key of the same name still may.
          if (c === 34 || value !== '') {
            this.values[k] = value;
            if (--this.missing === 0) return true;
          }
        }
      }
      this.ws();
      const sep = this.s.charCodeAt(this.i++);
      if (sep === 44) continue;
      if (sep === 125) return false;
      this.i--;
      this.fail("Value looks like object, but can't find closing '}' symbol");
    }
  }

  /** The flattened label name of a key: its sanitized text, after its parents' joined by `_`. */
  private nameOf(prefix: string | undefined, start: number, end: number, escaped: boolean): string {
    const key = sanitizeLabelName(escaped ? unescapeQuoted(this.s, start, end) : this.s.slice(start, end));
    return prefix === undefined ? key : prefix + '_' + key;
  }

  /** Whether a name still missing is this object's name followed by `_` and more. */
  private wantsUnder(name: string): boolean {
    for (let k = 0; k < this.names.length; k++) {
      const wanted = this.names[k];
      if (wanted !== undefined && this.values[k] === undefined && wanted.length > name.length && wanted.charCodeAt(name.length) === 95 && wanted.startsWith(name)) return true;
    }
    return false;
  }

  /** The index of a still missing name the key's flattened name equals, or -1. */
  private wanted(prefix: string | undefined, start: number, end: number, escaped: boolean): number {
    const name = prefix !== undefined || escaped ? this.nameOf(prefix, start, end, escaped) : undefined;
    for (let k = 0; k < this.names.length; k++) {
      const wanted = this.names[k];
      if (wanted === undefined || this.values[k] !== undefined) continue;
      if (name !== undefined ? name === wanted : sanitizesTo(this.s, start, end, wanted)) return k;
    }
    return -1;
  }
}
