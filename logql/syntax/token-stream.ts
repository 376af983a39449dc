// A look-ahead buffer over the lexer, with the syntax-error wording of Loki's generated parser:
// `syntax error: unexpected X` (plus `, expecting A or B` where Loki lists the choices).

import { LogQLParseError } from '../errors.js';
import { Lexer } from './lexer.js';
import type { Token } from './tokens.js';

/** The deepest query tree accepted: far beyond any hand-written query, well inside the stack. */
export const MAX_NESTING_DEPTH = 500;

export class TokenStream {
  private readonly lexer: Lexer;
  private readonly buffer: Token[] = [];
  /** Errors Loki detects while building nodes but reports only once the whole text parsed. */
  readonly deferred = new Map<object, LogQLParseError>();
  /** How deep the tree being built is here: open parentheses, calls and chained operators. */
  private depth = 0;

  constructor(input: string) {
    this.lexer = new Lexer(input);
  }

  /**
   * Goes `levels` deeper into the tree. Every later pass over a query (validation, planning,
   * printing, evaluation) recurses over its tree, so a tree deeper than MAX_NESTING_DEPTH is
   * refused here, as a parse error, before any of them could run out of stack.
   */
  descend(levels = 1): void {
    this.depth += levels;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw new LogQLParseError(`query is nested too deeply: more than ${MAX_NESTING_DEPTH} levels of parentheses, calls or operators`);
    }
  }

  ascend(levels = 1): void {
    this.depth -= levels;
  }

  peek(ahead = 0): Token {
    while (this.buffer.length <= ahead) this.buffer.push(this.lexer.next());
    return this.buffer[ahead]!;
  }

  is(kind: string, ahead = 0): boolean {
    return this.peek(ahead).kind === kind;
  }

  advance(): Token {
    const tok = this.peek();
    this.buffer.shift();
    return tok;
  }

  accept(kind: string): Token | undefined {
    return this.is(kind) ? this.advance() : undefined;
  }

  expect(kind: string, expecting?: readonly string[]): Token {
    if (!this.is(kind)) this.fail(this.peek(), expecting);
    return this.advance();
  }

  fail(tok: Token = this.peek(), expecting?: readonly string[]): never {
    let message = `syntax error: unexpected ${tok.kind}`;
    if (expecting !== undefined && expecting.length > 0) message += `, expecting ${expecting.join(' or ')}`;
    throw new LogQLParseError(message, tok.line, tok.col);
  }

  /** Records an error against a node; validation reports it after a successful parse. */
  defer(node: object, detail: string): void {
    if (!this.deferred.has(node)) this.deferred.set(node, new LogQLParseError(detail));
  }
}
