// Inline parse errors, worded by the server: `format_query` answers 400 with Loki's message
// (`parse error at line 1, col 12: syntax error: ...`), which becomes a diagnostic at that spot.

import type { Diagnostic } from '@codemirror/lint';
import type { EditorView } from '@codemirror/view';
import { ApiError, formatQuery } from '../api/loki';

/** Offset in `text` of Loki's 1-based line and column. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

export function diagnosticOf(text: string, message: string): Diagnostic {
  const at = /line (\d+), col (\d+)/.exec(message);
  const from = at === null ? 0 : offsetOf(text, Number(at[1]), Number(at[2]));
  const to = at === null ? text.length : Math.min(text.length, Math.max(from + 1, (/^[^\s)}\]]*/.exec(text.slice(from))?.[0].length ?? 0) + from));
  return { from: Math.min(from, Math.max(0, text.length - 1)), to: Math.max(to, Math.min(from + 1, text.length)), severity: 'error', message, source: 'format_query' };
}

export async function serverLint(view: EditorView): Promise<Diagnostic[]> {
  const text = view.state.doc.toString();
  if (text.trim() === '') return [];
  try {
    await formatQuery(text);
    return [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) return [diagnosticOf(text, error.message)];
    return [];
  }
}
