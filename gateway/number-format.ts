// Numbers as Prometheus and Loki print them: Go's `strconv.FormatFloat(v, 'f', -1, 64)`, the
// shortest text that reads back to the same double, never in exponent form.

/** A sample value: `NaN`, `+Inf`, `-Inf`, or the shortest plain decimal. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Object.is(value, -0)) return '-0';
  const text = String(value);
  return text.includes('e') ? expandExponent(text) : text;
}

/** A Prometheus timestamp in milliseconds as Loki writes it: seconds, e.g. `1700000000.123`. */
export function formatPromTime(ms: number): string {
  return formatSampleValue(ms / 1000);
}

/** `1.5e-7` -> `0.00000015`, `1e+21` -> `1000000000000000000000`: same digits, no exponent. */
function expandExponent(text: string): string {
  const negative = text.startsWith('-');
  const unsigned = negative ? text.slice(1) : text;
  const [mantissa = '', exponentText = '0'] = unsigned.split('e');
  const exponent = Number(exponentText);
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = whole + fraction;
  const point = whole.length + exponent;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return negative ? '-' + out : out;
}
