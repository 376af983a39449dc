// Go's `strconv.Quote` and `strconv.Unquote`: Loki prints label values and quotes input in its
// error messages with the one, and reads LogQL's string literals with the other.

/** Go's one-letter escapes: the character, and the letter after the backslash. */
const ESCAPES: ReadonlyArray<readonly [char: string, letter: string]> = [
  ['\x07', 'a'], ['\b', 'b'], ['\f', 'f'], ['\n', 'n'], ['\r', 'r'], ['\t', 't'], ['\v', 'v'], ['\\', '\\'], ['"', '"'],
];
const ESCAPE_OF_CHAR = new Map(ESCAPES);
const CHAR_OF_ESCAPE = new Map(ESCAPES.map(([char, letter]) => [letter, char]));

const SIMPLE_VALUE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Go's `strconv.Quote` for the characters label values carry: quotes, backslashes and ASCII
 * control characters are escaped as Go escapes them; every other code point is kept as it is
 * (Go would also escape non-printable ones such as U+00A0). A stream's canonical label text, and
 * so its fingerprint and chunk keys, is built with this function: its output must never change.
 */
export function goQuote(value: string): string {
  if (SIMPLE_VALUE.test(value)) return '"' + value + '"';
  let out = '"';
  for (const char of value) {
    const letter = ESCAPE_OF_CHAR.get(char);
    const code = char.codePointAt(0)!;
    if (letter !== undefined) out += '\\' + letter;
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += char;
  }
  return out + '"';
}

/**
 * Go's `strconv.Unquote` for the literals LogQL accepts: interpreted `"..."` strings with Go
 * escapes and raw backtick strings. Throws an Error whose message is Go's (`invalid syntax`).
 */
export function goUnquote(text: string): string {
  return goUnquoteChecked(text).value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `goUnquote`, also telling whether the bytes the escapes spell are valid UTF-8: `"\xc3\xa9"` is
 * `é`, while `"\xa0\xa1"` is no text at all (its bytes stay as Latin-1 characters in `value`).
 */
export function goUnquoteChecked(text: string): { value: string; validUtf8: boolean } {
  const quote = text[0];
  if (text.length < 2 || text[text.length - 1] !== quote) throw new Error('invalid syntax');
  const body = text.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return { value: body, validUtf8: true };
  }
  if (quote !== '"') throw new Error('invalid syntax');
  if (!body.includes('\\')) {
    if (body.includes('"') || body.includes('\n')) throw new Error('invalid syntax');
    return { value: body, validUtf8: true };
  }
  let out = '';
  let validUtf8 = true;
  // Runs of byte escapes (`\x..`, octal) are UTF-8 to decode together.
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length === 0) return;
    try {
      out += utf8.decode(Uint8Array.from(bytes));
    } catch {
      validUtf8 = false;
      for (const b of bytes) out += byteChar(b);
    }
    bytes = [];
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '"' || ch === '\n') throw new Error('invalid syntax');
    if (ch === '\\' && (body[i + 1] === 'x' || (body[i + 1]! >= '0' && body[i + 1]! <= '7'))) {
      const isHex = body[i + 1] === 'x';
      const digits = isHex ? body.slice(i + 2, i + 4) : body.slice(i + 1, i + 4);
      if (isHex ? !/^[0-9a-fA-F]{2}$/.test(digits) : !/^[0-7]{3}$/.test(digits)) throw new Error('invalid syntax');
      const code = parseInt(digits, isHex ? 16 : 8);
      if (code > 255) throw new Error('invalid syntax');
      bytes.push(code);
      i += 3;
      continue;
    }
    flush();
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i] ?? '';
    const escaped = CHAR_OF_ESCAPE.get(next);
    if (escaped !== undefined) {
      out += escaped;
    } else if (next === 'u' || next === 'U') {
      const width = next === 'u' ? 4 : 8;
      out += fromHex(body, i + 1, width);
      i += width;
    } else {
      throw new Error('invalid syntax');
    }
  }
  flush();
  return { value: out, validUtf8 };
}

function fromHex(body: string, at: number, width: number): string {
  const digits = body.slice(at, at + width);
  if (digits.length !== width || !/^[0-9a-fA-F]+$/.test(digits)) throw new Error('invalid syntax');
  const code = parseInt(digits, 16);
  if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) throw new Error('invalid syntax');
  return String.fromCodePoint(code);
}

/** A single raw byte in a JS string: ASCII stays itself, a high byte maps to its Latin-1 char. */
function byteChar(code: number): string {
  return String.fromCharCode(code);
}
