// Token hashing and generation. The hash is Loki's: FNV-1 (not 1a) 32-bit over the tenant ID
// followed by the stream's canonical label string, so a stream lands where Loki would put it.

import { randomInt } from 'node:crypto';

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

const encoder = new TextEncoder();

function fnv1Update(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h, FNV32_PRIME) >>> 0;
    h = (h ^ bytes[i]!) >>> 0;
  }
  return h;
}

export function tokenFor(tenant: string, labelString: string): number {
  return fnv1Update(fnv1Update(FNV32_OFFSET, encoder.encode(tenant)), encoder.encode(labelString));
}

export const DEFAULT_TOKEN_COUNT = 128;

/** `count` random uint32 tokens, distinct from each other and from `taken`, sorted. */
export function generateTokens(count: number, taken: ReadonlySet<number> = new Set()): number[] {
  const tokens = new Set<number>();
  while (tokens.size < count) {
    // randomInt's upper bound is exclusive and must be <= 2^48, so draw 2^32 values directly.
    const token = randomInt(0, 0x1_0000_0000);
    if (!taken.has(token)) tokens.add(token);
  }
  return [...tokens].sort((a, b) => a - b);
}

/**
 * Our tokens with every one another member also owns replaced by a fresh draw. Whoever notices a
 * clash redraws (both may, which is harmless), so a clash seen by only one side still ends.
 */
export function replaceClashingTokens(tokens: readonly number[], takenByOthers: ReadonlySet<number>): { tokens: number[]; replaced: number } {
  const kept = tokens.filter((token) => !takenByOthers.has(token));
  const replaced = tokens.length - kept.length;
  if (replaced === 0) return { tokens: [...tokens], replaced };
  const avoid = new Set([...takenByOthers, ...kept]);
  return { tokens: [...kept, ...generateTokens(replaced, avoid)].sort((a, b) => a - b), replaced };
}
