import { describe, expect, it } from 'vitest';
import { Ring, RingError } from './ring.js';
import { generateTokens, replaceClashingTokens, tokenFor } from './tokens.js';
import { quorumFor, type MemberState, type RingMember } from './model.js';

const NOW = 1_700_000_000_000;

function member(id: string, tokens: number[], state: MemberState = 'ACTIVE', extra: Partial<RingMember> = {}): RingMember {
  return { id, state, tokens, zone: '', heartbeatMs: NOW, registeredMs: NOW, ...extra };
}

describe('tokenFor', () => {
  it('is FNV-1 32-bit over tenant then labels', () => {
    // FNV-1 of the empty input is the offset basis; of "a" it is 0x050c5d7e.
    expect(tokenFor('', '')).toBe(0x811c9dc5);
    expect(tokenFor('a', '')).toBe(0x050c5d7e);
    expect(tokenFor('', 'a')).toBe(0x050c5d7e);
    expect(tokenFor('fake', '{app="x"}')).toBe(tokenFor('fa', 'ke{app="x"}'));
    expect(tokenFor('fake', '{app="x"}')).not.toBe(tokenFor('fake', '{app="y"}'));
  });
});

describe('generateTokens', () => {
  it('draws distinct sorted tokens that avoid taken ones', () => {
    const taken = new Set(generateTokens(500));
    const tokens = generateTokens(128, taken);
    expect(tokens).toHaveLength(128);
    expect(new Set(tokens).size).toBe(128);
    expect([...tokens].sort((a, b) => a - b)).toEqual(tokens);
    for (const token of tokens) {
      expect(taken.has(token)).toBe(false);
      expect(token).toBeGreaterThanOrEqual(0);
      expect(token).toBeLessThan(2 ** 32);
    }
  });
});

describe('replaceClashingTokens', () => {
  it('redraws only the tokens another member owns', () => {
    const ours = [10, 20, 30, 40];
    const result = replaceClashingTokens(ours, new Set([20, 40, 99]));
    expect(result.replaced).toBe(2);
    expect(result.tokens).toHaveLength(4);
    expect(result.tokens).toContain(10);
    expect(result.tokens).toContain(30);
    expect(result.tokens).not.toContain(20);
    expect(result.tokens).not.toContain(40);
    expect(new Set(result.tokens).size).toBe(4);
    expect([...result.tokens].sort((a, b) => a - b)).toEqual(result.tokens);
  });

  it('keeps tokens that clash with no one', () => {
    expect(replaceClashingTokens([1, 2, 3], new Set([4]))).toEqual({ tokens: [1, 2, 3], replaced: 0 });
  });
});

describe('Ring.replicationSetFor', () => {
  const options = { replicationFactor: 3, heartbeatTimeoutMs: 60_000, zoneAwareness: false };

  it('walks clockwise from the hash to RF distinct members', () => {
    const ring = new Ring(
      [member('a', [10, 100]), member('b', [20, 200]), member('c', [30, 300]), member('d', [40, 400])],
      options,
    );
    expect(ring.replicationSetFor(15, NOW).members.map((m) => m.id)).toEqual(['b', 'c', 'd']);
    expect(ring.replicationSetFor(35, NOW).members.map((m) => m.id)).toEqual(['d', 'a', 'b']);
    // Past the last token it wraps to the first.
    expect(ring.replicationSetFor(401, NOW).members.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(ring.replicationSetFor(15, NOW).quorum).toBe(2);
  });

  it('skips members whose state takes no writes and extends past them', () => {
    const ring = new Ring(
      [member('a', [10]), member('b', [20], 'LEAVING'), member('c', [30], 'PENDING'), member('d', [40]), member('e', [50], 'JOINING')],
      options,
    );
    expect(ring.replicationSetFor(5, NOW).members.map((m) => m.id)).toEqual(['a', 'd', 'e']);
  });

  it('counts unhealthy members as failures and refuses below quorum', () => {
    const stale = { heartbeatMs: NOW - 120_000 };
    const ring = new Ring([member('a', [10]), member('b', [20], 'ACTIVE', stale), member('c', [30])], options);
    const set = ring.replicationSetFor(5, NOW);
    expect(set.members.map((m) => m.id)).toEqual(['a', 'c']);
    expect(set.maxFailures).toBe(0);

    const worse = new Ring([member('a', [10]), member('b', [20], 'ACTIVE', stale), member('c', [30], 'ACTIVE', stale)], options);
    expect(() => worse.replicationSetFor(5, NOW)).toThrow(RingError);
    expect(() => worse.replicationSetFor(5, NOW)).toThrow('at least 2 live replicas required, could only find 1');
  });

  it('puts at most one replica in each zone when zone-aware', () => {
    const ring = new Ring(
      [
        member('a', [10], 'ACTIVE', { zone: 'z1' }),
        member('b', [20], 'ACTIVE', { zone: 'z1' }),
        member('c', [30], 'ACTIVE', { zone: 'z2' }),
        member('d', [40], 'ACTIVE', { zone: 'z3' }),
      ],
      { ...options, zoneAwareness: true },
    );
    expect(ring.replicationSetFor(5, NOW).members.map((m) => m.id)).toEqual(['a', 'c', 'd']);
  });

  it('serves a single member ring with RF 1', () => {
    const ring = new Ring([member('solo', generateTokens(128))], { ...options, replicationFactor: 1 });
    const set = ring.replicationSetFor(tokenFor('fake', '{a="b"}'), NOW);
    expect(set.members.map((m) => m.id)).toEqual(['solo']);
    expect(set.quorum).toBe(1);
  });

  it('lists read members by state and health', () => {
    const ring = new Ring(
      [member('a', [1]), member('b', [2], 'LEAVING'), member('c', [3], 'PENDING'), member('d', [4], 'LEFT')],
      options,
    );
    expect(ring.membersFor('read', NOW).map((m) => m.id).sort()).toEqual(['a', 'b']);
    expect(ring.members.has('d')).toBe(false);
  });
});

describe('quorumFor', () => {
  it('is a majority', () => {
    expect([1, 2, 3, 4, 5].map(quorumFor)).toEqual([1, 2, 2, 3, 3]);
  });
});
