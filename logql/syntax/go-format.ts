// Go's text conventions the canonical LogQL form depends on: `strconv.Quote`, `strconv.Unquote`
// and `fmt.Sprint(float64)`. Printing through these keeps our canonical text byte-identical to
// Loki's, which matters because the canonical text crosses the bus as the query plan.

import { goQuote } from '../../core/model.js';

export { goQuote };

/**
 * Go's `strconv.Unquote` for the literals LogQL accepts: interpreted `"..."` strings with Go
 * escapes and raw backtick strings. Throws an Error whose message is Go's (`invalid syntax`).
 */
export function goUnquote(text: string): string {
  const quote = text[0];
  if (text.length < 2 || text[text.length - 1] !== quote) throw new Error('invalid syntax');
  const body = text.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return body;
  }
  if (quote !== '"') throw new Error('invalid syntax');
  if (!body.includes('\\')) {
    if (body.includes('"') || body.includes('\n')) throw new Error('invalid syntax');
    return body;
  }
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '"' || ch === '\n') throw new Error('invalid syntax');
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    switch (next) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x': out += fromHex(body, i + 1, 2, true); i += 2; break;
      case 'u': out += fromHex(body, i + 1, 4, false); i += 4; break;
      case 'U': out += fromHex(body, i + 1, 8, false); i += 8; break;
      default:
        if (next !== undefined && next >= '0' && next <= '7') {
          const digits = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(digits)) throw new Error('invalid syntax');
          const code = parseInt(digits, 8);
          if (code > 255) throw new Error('invalid syntax');
          out += byteChar(code);
          i += 2;
          break;
        }
        throw new Error('invalid syntax');
    }
  }
  return out;
}

function fromHex(body: string, at: number, width: number, isByte: boolean): string {
  const digits = body.slice(at, at + width);
  if (digits.length !== width || !/^[0-9a-fA-F]+$/.test(digits)) throw new Error('invalid syntax');
  const code = parseInt(digits, 16);
  if (isByte) return byteChar(code);
  if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) throw new Error('invalid syntax');
  return String.fromCodePoint(code);
}

/** A single raw byte in a JS string: ASCII stays itself, a high byte maps to its Latin-1 char. */
function byteChar(code: number): string {
  return String.fromCharCode(code);
}

/** `fmt.Sprint(v)` for a float64: shortest digits, `%e` form when the exponent is < -4 or >= 6. */
export function goFormatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, expText] = value.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${mantissa}e${sign}${abs < 10 ? '0' + abs : abs}`;
  }
  return formatPlain(value);
}

/** `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatPlain(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const text = String(value);
  if (!text.includes('e')) return text;
  const negative = value < 0;
  const [mantissa, expText] = Math.abs(value).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  let out: string;
  if (exp >= 0) {
    out = digits.length - 1 <= exp ? digits + '0'.repeat(exp - digits.length + 1) : digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  } else {
    out = '0.' + '0'.repeat(-exp - 1) + digits;
  }
  return negative ? '-' + out : out;
}

/** Go's `%f` (six decimals), as `vector(1)` prints its value. */
export function goFormatFixed6(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return value.toFixed(6);
}
