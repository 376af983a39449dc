// Go-compatible parsing and formatting, so that what Norn reads and prints matches what Loki
// (written in Go) reads and prints, byte for byte: durations, floats, integers, quoting, sizes.

export { formatGoDuration, formatPromDuration, parseGoDuration, parseGoDurationNs, parsePromDuration } from './duration.js';
export { formatPlain, goFormatFixed6, goFormatFloat, goParseFloat, parseFloatError, parseGoFloat, readGoFloat } from './float.js';
export type { GoFloat, GoNumError } from './float.js';
export { parseGoInt64, parseIntError } from './int.js';
export { goQuote, goUnquote, goUnquoteChecked } from './quote.js';
export { formatHumanBytes, parseHumanBytes } from './bytes.js';
