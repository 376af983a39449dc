// Loki's arithmetic on two sample values (`MergeBinOp`), shared by constant folding in the
// parser and by the evaluator. Division and modulo by zero give NaN, as in Loki (not Inf).

import type { BinaryOp } from './ast.js';

/** The value of `left op right`; comparisons give 1 or 0 (the `bool` form). */
export function mergeLiterals(op: BinaryOp, left: number, right: number): number {
  switch (op) {
    case '+': return left + right;
    case '-': return left - right;
    case '*': return left * right;
    case '/': return right === 0 ? NaN : left / right;
    case '%': return right === 0 ? NaN : left % right;
    case '^': return Math.pow(left, right);
    case '==': return left === right ? 1 : 0;
    case '!=': return left !== right ? 1 : 0;
    case '>': return left > right ? 1 : 0;
    case '>=': return left >= right ? 1 : 0;
    case '<': return left < right ? 1 : 0;
    case '<=': return left <= right ? 1 : 0;
    default: return NaN;
  }
}

export function isComparisonOp(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '>=' || op === '<' || op === '<=';
}

export function isSetOp(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'unless';
}
