// A logfmt tokenizer, as go-logfmt reads lines: Drilldown's field detection reads lines with it
// without running a LogQL pipeline.

/** logfmt key/value pairs: `k=v`, `k="quoted \"v\""`, a bare `k` has an empty value. */
export function* logfmtPairs(line: string): Generator<[string, string]> {
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 0x20) i++;
    const keyStart = i;
    while (i < n && line[i] !== '=' && line.charCodeAt(i) > 0x20 && line[i] !== '"') i++;
    const key = line.slice(keyStart, i);
    if (i < n && line[i] === '"') {
      // A quote inside a key is garbage: skip to the next space.
      while (i < n && line.charCodeAt(i) > 0x20) i++;
      continue;
    }
    if (i >= n || line[i] !== '=') {
      if (key !== '') yield [key, ''];
      continue;
    }
    i++;
    let value = '';
    if (i < n && line[i] === '"') {
      i++;
      while (i < n && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < n) {
          const next = line[i + 1]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
          i += 2;
        } else {
          value += line[i];
          i++;
        }
      }
      i++;
    } else {
      const start = i;
      while (i < n && line.charCodeAt(i) > 0x20) i++;
      value = line.slice(start, i);
    }
    if (key !== '') yield [key, value];
  }
}
