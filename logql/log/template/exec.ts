// Executes a parsed template against a line's labels. Missing labels read as "" (Loki runs its
// templates with missingkey=zero); any failure surfaces as a `TemplateExecError`.

import { FUNCTION_NAMES, callFunction, type CallContext } from './functions.js';
import { TemplateSyntaxError } from './lexer.js';
import { parseTemplate, registerFunctionNames, type Arg, type BranchNode, type Node, type Pipeline } from './parser.js';

/**
 * Runaway `{{template}}` recursion stops here. Go allows 100,000 levels; a JS stack holds far
 * fewer, and no real template nests more than a handful.
 */
const TEMPLATE_DEPTH_LIMIT = 1_000;
import { GoTime } from './go-time.js';
import { TemplateExecError, checkOutputSize, formatValue, kindOf, printValue, truth, type Value } from './values.js';

registerFunctionNames(FUNCTION_NAMES);

export { TemplateExecError, TemplateSyntaxError };

const NO_FINAL = Symbol('no final');
type Final = Value | typeof NO_FINAL;

class BreakSignal {}
class ContinueSignal {}

interface Scope {
  vars: Map<string, Value>;
}

export interface CompiledTemplate {
  /** True when the template is plain text: no action to run. */
  readonly constant: string | undefined;
  execute(labels: ReadonlyMap<string, string>, ctx: CallContext): string;
  /** Runs against any data (the ruler's `.Labels` / `.Value`), not only a line's labels. */
  executeData(data: Record<string, Value>, ctx: CallContext): string;
}

export function compileTemplate(src: string, name: string): CompiledTemplate {
  const { nodes, defines } = parseTemplate(src, name);
  const constant = nodes.every((n) => n.kind === 'text') ? nodes.map((n) => (n as { text: string }).text).join('') : undefined;
  return {
    constant,
    execute(labels, ctx) {
      if (constant !== undefined) return constant;
      const data: Record<string, Value> = {};
      for (const [k, v] of labels) data[k] = v;
      const runner = new Runner(ctx, name, data, defines);
      const scope: Scope = { vars: new Map([['$', data]]) };
      return runner.list(nodes, data, scope);
    },
    executeData(data, ctx) {
      if (constant !== undefined) return constant;
      const runner = new Runner(ctx, name, data, defines);
      return runner.list(nodes, data, { vars: new Map([['$', data]]) });
    },
  };
}

class Runner {
  private depth = 0;

  constructor(
    private readonly ctx: CallContext,
    private readonly name: string,
    private readonly root: Record<string, Value>,
    private readonly defines: ReadonlyMap<string, Node[]>,
  ) {}

  private fail(msg: string): never {
    throw new TemplateExecError(`template: ${this.name}:1: executing "${this.name}": ${msg}`);
  }

  list(nodes: readonly Node[], dot: Value, scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const v = this.pipeline(node.pipe, dot, scope);
          if (node.pipe.decl.length === 0) out += printValue(v);
          break;
        }
        case 'if':
        case 'with': {
          const inner: Scope = { vars: new Map(scope.vars) };
          const v = this.pipeline(node.pipe, dot, inner);
          if (truth(v)) out += this.list(node.list, node.kind === 'with' ? v : dot, inner);
          else if (node.elseList !== undefined) out += this.list(node.elseList, dot, inner);
          break;
        }
        case 'range':
          out += this.range(node, dot, scope);
          break;
        case 'template': {
          const body = this.defines.get(node.name);
          if (body === undefined) this.fail(`template ${JSON.stringify(node.name)} not defined`);
          if (this.depth >= TEMPLATE_DEPTH_LIMIT) this.fail(`exceeded maximum template depth (${TEMPLATE_DEPTH_LIMIT})`);
          const arg = node.pipe === undefined ? null : this.pipeline(node.pipe, dot, scope);
          // A named template sees only its argument: `$` is that value, no outer variables.
          this.depth++;
          try {
            out += this.list(body, arg, { vars: new Map([['$', arg]]) });
          } finally {
            this.depth--;
          }
          break;
        }
        case 'break':
          throw new BreakSignal();
        case 'continue':
          throw new ContinueSignal();
      }
      checkOutputSize('the template', out.length);
    }
    return out;
  }

  private range(node: BranchNode, dot: Value, scope: Scope): string {
    const inner: Scope = { vars: new Map(scope.vars) };
    const decl = node.pipe.decl;
    const v = this.pipeline({ ...node.pipe, decl: [] }, dot, inner);
    let items: Array<[Value, Value]>;
    if (Array.isArray(v)) items = v.map((x, i) => [BigInt(i), x]);
    else if (typeof v === 'bigint') {
      checkOutputSize('range', Number(v), 'iterations');
      items = Array.from({ length: Number(v) }, (_, i) => [BigInt(i), BigInt(i)]);
    } else if (v !== null && typeof v === 'object' && !(v instanceof GoTime)) items = Object.keys(v).sort().map((k) => [k, v[k]!]);
    else if (v === null) items = [];
    else return this.fail(`range can't iterate over ${formatValue(v)}`);
    if (items.length === 0) return node.elseList !== undefined ? this.list(node.elseList, dot, inner) : '';
    let out = '';
    for (const [key, value] of items) {
      if (decl.length === 1) inner.vars.set(decl[0]!, value);
      if (decl.length === 2) {
        inner.vars.set(decl[0]!, key);
        inner.vars.set(decl[1]!, value);
      }
      try {
        out += this.list(node.list, value, inner);
      } catch (signal) {
        if (signal instanceof BreakSignal) break;
        if (signal instanceof ContinueSignal) continue;
        throw signal;
      }
    }
    return out;
  }

  private pipeline(pipe: Pipeline, dot: Value, scope: Scope): Value {
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) value = this.command(cmd, dot, scope, value);
    const result = value === NO_FINAL ? null : value;
    for (const name of pipe.decl) {
      if (pipe.assign && !scope.vars.has(name)) this.fail(`undefined variable: ${name}`);
      scope.vars.set(name, result);
    }
    return result;
  }

  private command(args: readonly Arg[], dot: Value, scope: Scope, final: Final): Value {
    const first = args[0]!;
    if (first.kind === 'ident') {
      const values = args.slice(1).map((a) => this.arg(a, dot, scope));
      if (final !== NO_FINAL) values.push(final);
      try {
        return callFunction(first.name, values, this.ctx);
      } catch (error) {
        if (error instanceof TemplateExecError) this.fail(`error calling ${first.name}: ${error.message.replace(/^error calling \w+: /, '')}`);
        throw error;
      }
    }
    if (args.length > 1 || final !== NO_FINAL) {
      this.fail(`can't give argument to non-function ${describe(first)}`);
    }
    return this.arg(first, dot, scope);
  }

  private arg(a: Arg, dot: Value, scope: Scope): Value {
    switch (a.kind) {
      case 'dot': return dot;
      case 'field': return this.fields(dot, a.path);
      case 'variable': {
        if (!scope.vars.has(a.name)) this.fail(`undefined variable: ${a.name}`);
        return this.fields(scope.vars.get(a.name)!, a.path);
      }
      case 'string': return a.value;
      case 'bool': return a.value;
      case 'nil': return null;
      case 'number': return parseNumber(a.text);
      case 'ident': return callFunction(a.name, [], this.ctx);
      case 'pipe': return this.fields(this.pipeline(a.pipe, dot, scope), a.path);
    }
  }

  private fields(value: Value, path: readonly string[]): Value {
    let cur = value;
    for (const name of path) {
      if (cur === this.root) {
        cur = this.root[name] ?? '';
        continue;
      }
      if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && !(cur instanceof GoTime)) {
        cur = cur[name] ?? null;
        continue;
      }
      this.fail(`can't evaluate field ${name} in type ${kindOf(cur)}`);
    }
    return cur;
  }
}

function describe(a: Arg): string {
  switch (a.kind) {
    case 'field': return '.' + a.path.join('.');
    case 'variable': return [a.name, ...a.path].join('.');
    case 'dot': return '.';
    default: return a.kind;
  }
}

function parseNumber(text: string): Value {
  const clean = text.replace(/_/g, '');
  if (/^[+-]?\d+$/.test(clean)) return BigInt(clean);
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(clean)) return BigInt(clean.replace(/^([+-]?)0[xX]/, '$10x'));
  return Number(clean);
}
