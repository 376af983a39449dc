// `ip("...")` matching for line and label filters: a single address, a range `a-b`, or a CIDR
// prefix, IPv4 or IPv6. In a line, every run of address characters is a candidate, so
// `ip("3.180.71.3")` does not match inside `93.180.71.3`.

interface Address {
  readonly v6: boolean;
  readonly value: bigint;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part[0] === '0')) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  let tail: bigint[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const value = parseV4(v4[1]!);
    if (value === undefined) return undefined;
    tail = [value >> 16n, value & 0xffffn];
    text = text.slice(0, -v4[1]!.length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const out: bigint[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(parseInt(g, 16)));
    }
    return out;
  };
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const total = head.length + rest.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...new Array<bigint>(8 - total).fill(0n), ...rest, ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseAddress(text: string): Address | undefined {
  if (text.includes(':')) {
    const value = parseV6(text);
    return value === undefined ? undefined : { v6: true, value };
  }
  const value = parseV4(text);
  return value === undefined ? undefined : { v6: false, value };
}

export type AddressMatcher = (addr: Address) => boolean;

/** Compiles an ip() pattern; throws Go's netip wording for a bad one. */
export function compileIpPattern(pattern: string): AddressMatcher {
  const slash = pattern.indexOf('/');
  if (slash !== -1) {
    const base = parseAddress(pattern.slice(0, slash));
    const bitsText = pattern.slice(slash + 1);
    const width = base?.v6 ? 128 : 32;
    const bits = /^\d+$/.test(bitsText) ? Number(bitsText) : NaN;
    if (base === undefined || !(bits >= 0 && bits <= width)) throw new Error(`netip.ParsePrefix(${JSON.stringify(pattern)}): bad prefix`);
    const shift = BigInt(width - bits);
    const network = base.value >> shift;
    return (a) => a.v6 === base.v6 && a.value >> shift === network;
  }
  const dash = pattern.indexOf('-');
  if (dash !== -1) {
    const from = parseAddress(pattern.slice(0, dash));
    const to = parseAddress(pattern.slice(dash + 1));
    if (from === undefined || to === undefined || from.v6 !== to.v6) {
      throw new Error(`invalid IP range: ${JSON.stringify(pattern)}`);
    }
    return (a) => a.v6 === from.v6 && a.value >= from.value && a.value <= to.value;
  }
  const single = parseAddress(pattern);
  if (single === undefined) throw new Error(`ParseAddr(${JSON.stringify(pattern)}): unable to parse IP`);
  return (a) => a.v6 === single.v6 && a.value === single.value;
}

const ADDRESS_CHAR = /[0-9a-fA-F:.%]/;

/** True when any address-shaped run in `text` matches. */
export function containsMatchingAddress(text: string, matcher: AddressMatcher): boolean {
  let i = 0;
  while (i < text.length) {
    if (!ADDRESS_CHAR.test(text[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && ADDRESS_CHAR.test(text[j]!)) j++;
    const candidate = text.slice(i, j).replace(/\.+$/, '');
    const addr = candidate.length >= 2 ? parseAddress(candidate) : undefined;
    if (addr !== undefined && matcher(addr)) return true;
    i = j;
  }
  return false;
}

export function ipLineFilter(pattern: string): (line: string) => boolean {
  const matcher = compileIpPattern(pattern);
  return (line) => containsMatchingAddress(line, matcher);
}
