// The LogQL lexer. It follows Loki's lexer token for token, including its quirks: function names
// are tokens only when a call follows (so `rate` can be a label), unknown characters become
// IDENTIFIER tokens, and tokens finished by look-ahead report line 0, as Loki's errors do.

import { LogQLParseError } from '../errors.js';
import { goUnquoteChecked, parseGoDuration, parseHumanBytes, parsePromDuration } from '../../core/go/mod.js';
import { FUNCTIONS, KEYWORDS, PARSER_FLAGS, type Token } from './tokens.js';

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;
const SPACE = /\s/u;
const DURATION_RUNES = new Set(['n', 'u', 'µ', 'm', 's', 'h', 'd', 'w', 'y']);
const BYTES_RUNES = new Set(['B', 'i', 'k', 'K', 'M', 'G', 'T', 'P']);

export class Lexer {
  private readonly chars: string[];
  private readonly lines: number[];
  private readonly cols: number[];
  private pos = 0;

  constructor(input: string) {
    this.chars = Array.from(input);
    this.lines = new Array<number>(this.chars.length + 1);
    this.cols = new Array<number>(this.chars.length + 1);
    let line = 1;
    let col = 1;
    for (let i = 0; i <= this.chars.length; i++) {
      this.lines[i] = line;
      this.cols[i] = col;
      if (this.chars[i] === '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
  }

  /** The next token; throws a `LogQLParseError` where Loki's lexer reports an error. */
  next(): Token {
    for (;;) {
      this.skipSpaceAndComments();
      if (this.chars[this.pos] !== '#') break;
      while (this.pos < this.chars.length && this.chars[this.pos] !== '\n') this.pos++;
    }
    const start = this.pos;
    const line = this.lines[start]!;
    const col = this.cols[start]!;
    const ch = this.chars[start];
    if (ch === undefined) return token('$end', '', line, col);

    if (isDigit(ch) || (ch === '.' && isDigit(this.chars[start + 1]))) {
      const text = this.scanNumber(line, col);
      const duration = this.tryDuration(text);
      if (duration !== undefined) return { ...token('DURATION', text, 0, col), ns: duration };
      const bytes = this.tryBytes(text);
      if (bytes !== undefined) return { ...token('BYTES', text, 0, col), bytes };
      return token('NUMBER', text, line, col, text);
    }
    if (ch === '"' || ch === '`') {
      const text = this.scanString(ch, line, col);
      try {
        const { value, validUtf8 } = goUnquoteChecked(text);
        const tok = token('STRING', text, line, col, value);
        return validUtf8 ? tok : { ...tok, invalidUtf8: true };
      } catch (error) {
        throw new LogQLParseError((error as Error).message, line, col);
      }
    }
    if (ch === "'") {
      this.scanChar(line, col);
      const text = this.chars.slice(start, this.pos).join('');
      return token('IDENTIFIER', text, line, col, text);
    }
    if (ch === '[') return this.scanRange(col);
    if (ch === '_' || LETTER.test(ch)) {
      this.pos++;
      while (this.pos < this.chars.length && isIdentRune(this.chars[this.pos]!)) this.pos++;
    } else {
      this.pos++;
    }
    const text = this.chars.slice(start, this.pos).join('');

    if (text === '-' && this.chars[this.pos] === '-') {
      const flag = this.tryFlag();
      if (flag !== undefined) return token('PARSER_FLAG', flag, 0, col, flag);
    }
    if (text === '-') {
      const duration = this.tryDuration('-');
      if (duration !== undefined) return { ...token('DURATION', '-', 0, col), ns: duration };
    }

    const lower = text.toLowerCase();
    const fn = FUNCTIONS.get(lower);
    if (fn !== undefined) {
      return this.isCallAhead() ? token(fn, text, line, col, lower) : token('IDENTIFIER', text, line, col, text);
    }
    const peek = this.chars[this.pos];
    if (peek !== undefined) {
      const pair = KEYWORDS.get((text + peek).toLowerCase());
      if (pair !== undefined) {
        this.pos++;
        return token(pair, text + peek, 0, col, pair);
      }
    }
    const keyword = KEYWORDS.get(lower);
    if (keyword !== undefined) return token(keyword, text, line, col, keyword);
    return token('IDENTIFIER', text, line, col, text);
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const ch = this.chars[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        this.pos++;
      } else if (ch === '/' && this.chars[this.pos + 1] === '/') {
        while (this.pos < this.chars.length && this.chars[this.pos] !== '\n') this.pos++;
      } else if (ch === '/' && this.chars[this.pos + 1] === '*') {
        const line = this.lines[this.pos]!;
        const col = this.cols[this.pos]!;
        this.pos += 2;
        while (this.pos < this.chars.length && !(this.chars[this.pos] === '*' && this.chars[this.pos + 1] === '/')) this.pos++;
        if (this.pos >= this.chars.length) throw new LogQLParseError('comment not terminated', line, col);
        this.pos += 2;
      } else {
        return;
      }
    }
  }

  private scanNumber(line: number, col: number): string {
    const start = this.pos;
    const c = this.chars;
    let base = 10;
    let seenDot = false;
    let hasDigits = false;
    if (c[this.pos] === '0') {
      const x = c[this.pos + 1]?.toLowerCase();
      if (x === 'x' || x === 'o' || (x === 'b' && !SPACE.test(c[this.pos + 2] ?? ' '))) {
        base = x === 'x' ? 16 : x === 'o' ? 8 : 2;
        this.pos += 2;
      }
    }
    const digit = (ch: string | undefined): boolean =>
      ch !== undefined && (base === 16 ? /[0-9a-fA-F_]/.test(ch) : /[0-9_]/.test(ch));
    while (digit(c[this.pos])) {
      if (c[this.pos] !== '_') hasDigits = true;
      this.pos++;
    }
    if (c[this.pos] === '.') {
      seenDot = true;
      this.pos++;
      while (digit(c[this.pos])) {
        if (c[this.pos] !== '_') hasDigits = true;
        this.pos++;
      }
    }
    if (!hasDigits && base === 10 && !seenDot) hasDigits = true;
    if (!hasDigits) throw new LogQLParseError(`${literalName(base)} has no digits`, line, col);
    const e = c[this.pos]?.toLowerCase();
    if ((e === 'e' && base === 10) || (e === 'p' && base === 16)) {
      this.pos++;
      if (c[this.pos] === '+' || c[this.pos] === '-') this.pos++;
      const expStart = this.pos;
      while (c[this.pos] !== undefined && /[0-9_]/.test(c[this.pos]!)) this.pos++;
      if (this.pos === expStart) throw new LogQLParseError('exponent has no digits', line, col);
    } else if (base === 16 && seenDot) {
      throw new LogQLParseError("hexadecimal mantissa requires a 'p' exponent", line, col);
    }
    return c.slice(start, this.pos).join('');
  }

  /** A number directly followed by unit letters up to the next space is a duration. */
  private tryDuration(prefix: string): bigint | undefined {
    let end = this.pos;
    while (end < this.chars.length) {
      const ch = this.chars[end]!;
      if (SPACE.test(ch) || !(isDigit(ch) || DURATION_RUNES.has(ch) || ch === '.')) break;
      end++;
    }
    if (end === this.pos) return undefined;
    const text = prefix + this.chars.slice(this.pos, end).join('');
    let ns: bigint;
    try {
      ns = parsePromDuration(text);
    } catch {
      try {
        ns = BigInt(Math.round(parseGoDuration(text)));
      } catch {
        return undefined;
      }
    }
    this.pos = end;
    return ns;
  }

  private tryBytes(prefix: string): number | undefined {
    let end = this.pos;
    while (end < this.chars.length) {
      const ch = this.chars[end]!;
      if (SPACE.test(ch) || !(isDigit(ch) || BYTES_RUNES.has(ch) || ch === '.')) break;
      end++;
    }
    if (end === this.pos) return undefined;
    let bytes: number;
    try {
      bytes = parseHumanBytes(prefix + this.chars.slice(this.pos, end).join(''));
    } catch {
      return undefined;
    }
    this.pos = end;
    return bytes;
  }

  private tryFlag(): string | undefined {
    let end = this.pos;
    while (end < this.chars.length && (LETTER.test(this.chars[end]!) || this.chars[end] === '-')) end++;
    const flag = '-' + this.chars.slice(this.pos, end).join('');
    if (!PARSER_FLAGS.has(flag)) return undefined;
    this.pos = end;
    return flag;
  }

  private scanString(quote: string, line: number, col: number): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const ch = this.chars[this.pos];
      if (ch === undefined || (ch === '\n' && quote === '"')) throw new LogQLParseError('literal not terminated', line, col);
      this.pos++;
      if (ch === quote) break;
      if (ch === '\\' && quote === '"') this.pos++;
    }
    return this.chars.slice(start, this.pos).join('');
  }

  private scanChar(line: number, col: number): void {
    this.pos++;
    let count = 0;
    for (;;) {
      const ch = this.chars[this.pos];
      if (ch === undefined || ch === '\n') throw new LogQLParseError('literal not terminated', line, col);
      this.pos++;
      if (ch === "'") break;
      if (ch === '\\') this.pos++;
      count++;
    }
    if (count !== 1) throw new LogQLParseError('invalid char literal', line, col);
  }

  private scanRange(col: number): Token {
    const start = ++this.pos;
    while (this.pos < this.chars.length && this.chars[this.pos] !== ']') this.pos++;
    if (this.pos >= this.chars.length) throw new LogQLParseError("missing closing ']' in duration", 0, col);
    const text = this.chars.slice(start, this.pos).join('');
    this.pos++;
    let ns: bigint;
    try {
      if (text === '') throw new Error('empty duration string');
      ns = parsePromDuration(text);
    } catch (error) {
      throw new LogQLParseError((error as Error).message, 0, col);
    }
    return { ...token('RANGE', `[${text}]`, 0, col), ns };
  }

  /** Loki's `isFunction`: the next non-space input is `(`, or `by`/`without` and then `(`. */
  private isCallAhead(): boolean {
    let i = this.pos;
    while (i < this.chars.length && SPACE.test(this.chars[i]!)) i++;
    if (this.chars[i] === '(') return true;
    const rest = this.chars.slice(i, i + 7).join('').toLowerCase();
    let after: number;
    if (rest.startsWith('by')) after = i + 2;
    else if (rest.startsWith('without')) after = i + 7;
    else return false;
    while (after < this.chars.length && SPACE.test(this.chars[after]!)) after++;
    return this.chars[after] === '(';
  }
}

function token(kind: string, text: string, line: number, col: number, str = text): Token {
  return { kind, text, str, ns: 0n, bytes: 0, line, col };
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function isIdentRune(ch: string): boolean {
  return ch === '_' || LETTER.test(ch) || DIGIT.test(ch);
}

function literalName(base: number): string {
  return base === 16 ? 'hexadecimal literal' : base === 8 ? 'octal literal' : base === 2 ? 'binary literal' : 'decimal literal';
}
