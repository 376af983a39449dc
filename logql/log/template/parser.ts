// Parser for the template subset: text, `{{pipeline}}`, `if` / `else if` / `else`, `with`,
// `range`, variables, commands made of fields, functions, literals and parentheses, and named
// templates: `define`, `template`, `block`.

import { TemplateSyntaxError, lexTemplate, type TemplateToken } from './lexer.js';

export type Arg =
  | { readonly kind: 'field'; readonly path: readonly string[] }
  | { readonly kind: 'variable'; readonly name: string; readonly path: readonly string[] }
  | { readonly kind: 'dot' }
  | { readonly kind: 'ident'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'nil' }
  | { readonly kind: 'pipe'; readonly pipe: Pipeline; readonly path: readonly string[] };

export interface Pipeline {
  readonly decl: readonly string[];
  readonly assign: boolean;
  readonly cmds: readonly (readonly Arg[])[];
}

export interface BranchNode {
  readonly kind: 'if' | 'with' | 'range';
  readonly pipe: Pipeline;
  readonly list: Node[];
  readonly elseList: Node[] | undefined;
}

export type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pipe: Pipeline }
  | BranchNode
  | { readonly kind: 'template'; readonly name: string; readonly pipe: Pipeline | undefined }
  | { readonly kind: 'break' | 'continue' };

/** A template's main body and the named templates it defines (`define`, `block`). */
export interface ParsedTemplate {
  readonly nodes: Node[];
  readonly defines: ReadonlyMap<string, Node[]>;
}

const KNOWN_FUNCS = new Set<string>();

export function registerFunctionNames(names: Iterable<string>): void {
  for (const n of names) KNOWN_FUNCS.add(n);
}

export function parseTemplate(src: string, name: string): ParsedTemplate {
  const p = new TemplateParser(lexTemplate(src), name);
  const list = p.parseList(new Set());
  if (p.peek().kind !== 'eof') p.fail(`unexpected ${p.peek().text}`);
  return { nodes: list.nodes, defines: p.defines };
}

function goUnquoteSimple(text: string): string {
  if (text.startsWith('`')) return text.slice(1, -1);
  try {
    return JSON.parse(text.replace(/\\'/g, "'").replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b')) as string;
  } catch {
    throw new TemplateSyntaxError(`invalid syntax: ${text}`);
  }
}

class TemplateParser {
  private i = 0;
  /** Named templates; a later definition replaces an earlier one, as Go's text/template does. */
  readonly defines = new Map<string, Node[]>();
  private depth = 0;

  constructor(private readonly tokens: TemplateToken[], private readonly name: string) {}

  peek(ahead = 0): TemplateToken {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  next(): TemplateToken {
    return this.tokens[this.i++]!;
  }

  fail(msg: string): never {
    throw new TemplateSyntaxError(`template: ${this.name}:1: ${msg}`);
  }

  /** Nodes until one of `stops` (an action keyword) or the end. */
  parseList(stops: Set<string>): { nodes: Node[]; stop: string | undefined } {
    const nodes: Node[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.kind === 'eof') return { nodes, stop: undefined };
      if (tok.kind === 'text') {
        this.next();
        nodes.push({ kind: 'text', text: tok.text });
        continue;
      }
      // open
      const kw = this.peek(1);
      if (kw.kind === 'ident' && stops.has(kw.text)) {
        this.next();
        this.next();
        return { nodes, stop: kw.text };
      }
      this.next();
      if (kw.kind === 'ident' && (kw.text === 'if' || kw.text === 'with' || kw.text === 'range')) {
        this.next();
        nodes.push(this.parseBranch(kw.text));
        continue;
      }
      if (kw.kind === 'ident' && (kw.text === 'break' || kw.text === 'continue')) {
        this.next();
        this.expectClose();
        nodes.push({ kind: kw.text });
        continue;
      }
      if (kw.kind === 'ident' && (kw.text === 'end' || kw.text === 'else')) this.fail(`unexpected {{${kw.text}}}`);
      if (kw.kind === 'ident' && kw.text === 'define') {
        if (this.depth > 0) this.fail('unexpected <define> in command');
        this.next();
        const name = this.templateName('define');
        this.expectClose();
        this.defines.set(name, this.parseBody('define'));
        continue;
      }
      if (kw.kind === 'ident' && (kw.text === 'template' || kw.text === 'block')) {
        this.next();
        const name = this.templateName(kw.text);
        const pipe = this.peek().kind === 'close' ? undefined : this.parsePipeline();
        this.expectClose();
        if (kw.text === 'block') this.defines.set(name, this.parseBody('block'));
        nodes.push({ kind: 'template', name, pipe });
        continue;
      }
      const pipe = this.parsePipeline();
      this.expectClose();
      nodes.push({ kind: 'action', pipe });
    }
  }

  private templateName(keyword: string): string {
    const tok = this.next();
    if (tok.kind !== 'string') this.fail(`unexpected ${JSON.stringify(tok.text)} in ${keyword} clause`);
    return goUnquoteSimple(tok.text);
  }

  /** The list up to the `{{end}}` of a `define` or `block`. */
  private parseBody(keyword: string): Node[] {
    this.depth++;
    const body = this.parseList(new Set(['end']));
    this.depth--;
    if (body.stop !== 'end') this.fail(`unexpected EOF in ${keyword}`);
    this.expectClose();
    return body.nodes;
  }

  private expectClose(): void {
    const tok = this.next();
    if (tok.kind !== 'close') this.fail(`unexpected ${JSON.stringify(tok.text)} in command`);
  }

  private parseBranch(kind: 'if' | 'with' | 'range'): Node {
    const pipe = this.parsePipeline();
    this.expectClose();
    this.depth++;
    try {
      return this.parseBranchBody(kind, pipe);
    } finally {
      this.depth--;
    }
  }

  private parseBranchBody(kind: 'if' | 'with' | 'range', pipe: Pipeline): Node {
    const body = this.parseList(new Set(['else', 'end']));
    if (body.stop === undefined) this.fail(`unexpected EOF`);
    let elseList: Node[] | undefined;
    if (body.stop === 'else') {
      const after = this.peek();
      if (after.kind === 'ident' && (after.text === 'if' || after.text === 'with') && kind !== 'range') {
        // `{{else if ...}}` nests a branch that shares the outer {{end}}.
        this.next();
        elseList = [this.parseBranch(after.text as 'if' | 'with')];
        return { kind, pipe, list: body.nodes, elseList };
      }
      this.expectClose();
      const rest = this.parseList(new Set(['end']));
      if (rest.stop !== 'end') this.fail('unexpected EOF');
      elseList = rest.nodes;
    }
    this.expectClose();
    return { kind, pipe, list: body.nodes, elseList };
  }

  private parsePipeline(): Pipeline {
    let decl: string[] = [];
    let assign = false;
    if (this.peek().kind === 'variable') {
      let j = 0;
      const names: string[] = [];
      while (this.peek(j).kind === 'variable') {
        names.push(this.peek(j).text);
        if (this.peek(j + 1).kind === 'comma') j += 2;
        else break;
      }
      const op = this.peek(j + 1);
      if (op.kind === 'declare' || op.kind === 'assign') {
        decl = names;
        assign = op.kind === 'assign';
        this.i += j + 2;
      }
    }
    const cmds: Arg[][] = [];
    for (;;) {
      const cmd = this.parseCommand();
      if (cmd.length === 0) this.fail('missing value for command');
      cmds.push(cmd);
      if (this.peek().kind !== 'pipe') break;
      this.next();
    }
    return { decl, assign, cmds };
  }

  private parseCommand(): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.kind === 'close' || tok.kind === 'pipe' || tok.kind === 'rparen' || tok.kind === 'eof') return args;
      args.push(this.parseOperand());
    }
  }

  private parseOperand(): Arg {
    const tok = this.next();
    switch (tok.kind) {
      case 'field': return { kind: 'field', path: tok.text.split('.').slice(1) };
      case 'dot': return { kind: 'dot' };
      case 'variable': {
        const [name, ...path] = tok.text.split('.');
        return { kind: 'variable', name: name!, path };
      }
      case 'string': return { kind: 'string', value: goUnquoteSimple(tok.text) };
      case 'char': return { kind: 'number', text: String(goUnquoteSimple(`"${tok.text.slice(1, -1)}"`).codePointAt(0) ?? 0) };
      case 'number': return { kind: 'number', text: tok.text };
      case 'lparen': {
        const pipe = this.parsePipeline();
        if (this.next().kind !== 'rparen') this.fail('unclosed left paren');
        let path: string[] = [];
        if (this.peek().kind === 'field' && this.peek().pos === this.tokens[this.i - 1]!.pos + 1) {
          path = this.next().text.split('.').slice(1);
        }
        return { kind: 'pipe', pipe, path };
      }
      case 'ident':
        if (tok.text === 'true' || tok.text === 'false') return { kind: 'bool', value: tok.text === 'true' };
        if (tok.text === 'nil') return { kind: 'nil' };
        if (!KNOWN_FUNCS.has(tok.text)) this.fail(`function ${JSON.stringify(tok.text)} not defined`);
        return { kind: 'ident', name: tok.text };
      default:
        return this.fail(`unexpected ${JSON.stringify(tok.text)} in operand`);
    }
  }
}
