// Lexer for the Go text/template subset `line_format` and `label_format` accept: text, actions
// `{{ }}` with `{{-` / `-}}` trimming, comments, fields, variables, literals and pipelines.

export type TokenKind =
  | 'text' | 'open' | 'close' | 'field' | 'variable' | 'ident' | 'string' | 'number' | 'char'
  | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'dot' | 'eof';

export interface TemplateToken {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

export class TemplateSyntaxError extends Error {}

const SPACE = /[ \t\r\n]/;

export function lexTemplate(src: string): TemplateToken[] {
  const out: TemplateToken[] = [];
  let i = 0;
  let trimNextText = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    const textEnd = open === -1 ? src.length : open;
    let trimLeft = false;
    if (open !== -1 && src[open + 2] === '-' && SPACE.test(src[open + 3] ?? '')) trimLeft = true;
    let text = src.slice(i, textEnd);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text !== '') out.push({ kind: 'text', text, pos: i });
    trimNextText = false;
    if (open === -1) break;
    i = open + 2 + (trimLeft ? 2 : 0);
    // Comments: {{/* ... */}}
    const afterSpace = i;
    if (src.startsWith('/*', afterSpace)) {
      const end = src.indexOf('*/', afterSpace + 2);
      if (end === -1) throw new TemplateSyntaxError('unclosed comment');
      let j = end + 2;
      if (src.startsWith(' -}}', j)) {
        trimNextText = true;
        j += 4;
      } else if (src.startsWith('}}', j)) {
        j += 2;
      } else {
        throw new TemplateSyntaxError('comment ends before closing delimiter');
      }
      i = j;
      continue;
    }
    out.push({ kind: 'open', text: '{{', pos: open });
    i = lexAction(src, i, out);
    if (src.startsWith('-}}', i)) {
      trimNextText = true;
      i += 3;
    } else {
      i += 2;
    }
    out.push({ kind: 'close', text: '}}', pos: i });
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}

function lexAction(src: string, start: number, out: TemplateToken[]): number {
  let i = start;
  for (;;) {
    if (i >= src.length) throw new TemplateSyntaxError('unclosed action');
    const c = src[i]!;
    if (src.startsWith('}}', i)) return i;
    if (c === ' ' && src.startsWith(' -}}', i)) return i + 1;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === '|') { out.push({ kind: 'pipe', text: c, pos }); i++; continue; }
    if (c === '(') { out.push({ kind: 'lparen', text: c, pos }); i++; continue; }
    if (c === ')') { out.push({ kind: 'rparen', text: c, pos }); i++; continue; }
    if (c === ',') { out.push({ kind: 'comma', text: c, pos }); i++; continue; }
    if (c === ':' && src[i + 1] === '=') { out.push({ kind: 'declare', text: ':=', pos }); i += 2; continue; }
    if (c === '=') { out.push({ kind: 'assign', text: '=', pos }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') j++;
        if (src[j] === '\n') throw new TemplateSyntaxError('unterminated quoted string');
        j++;
      }
      if (j >= src.length) throw new TemplateSyntaxError('unterminated quoted string');
      out.push({ kind: 'string', text: src.slice(i, j + 1), pos });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j === -1) throw new TemplateSyntaxError('unterminated raw quoted string');
      out.push({ kind: 'string', text: src.slice(i, j + 1), pos });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== "'") {
        if (src[j] === '\\') j++;
        j++;
      }
      out.push({ kind: 'char', text: src.slice(i, j + 1), pos });
      i = j + 1;
      continue;
    }
    if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
      const m = /^(\.[A-Za-z_0-9]+)+/.exec(src.slice(i));
      if (m !== null) {
        out.push({ kind: 'field', text: m[0], pos });
        i += m[0].length;
      } else {
        out.push({ kind: 'dot', text: '.', pos });
        i++;
      }
      continue;
    }
    if (c === '$') {
      const m = /^\$[A-Za-z_0-9]*(\.[A-Za-z_0-9]+)*/.exec(src.slice(i))!;
      out.push({ kind: 'variable', text: m[0], pos });
      i += m[0].length;
      continue;
    }
    const num = /^[+-]?(0[xX][0-9a-fA-F_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num !== null && num[0] !== '' && /[0-9]/.test(num[0])) {
      out.push({ kind: 'number', text: num[0], pos });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z_0-9]*/.exec(src.slice(i));
    if (id !== null) {
      out.push({ kind: 'ident', text: id[0], pos });
      i += id[0].length;
      continue;
    }
    throw new TemplateSyntaxError(`unexpected ${JSON.stringify(c)} in command`);
  }
}
