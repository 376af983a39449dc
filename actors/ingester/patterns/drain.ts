// A Drain log-template miner (He et al., "Drain: An Online Log Parsing Approach with Fixed Depth
// Tree"), as Loki's pattern ingester runs one per stream: lines are split into tokens, routed
// by token count and leading tokens to a small set of clusters, and joined to the most similar
// cluster if enough tokens agree; tokens that differ become the wildcard `<_>`. The templates
// read as LogQL pattern filters (`|> "<_> level=info msg=<_>"`), which is how Grafana's Logs
// Drilldown uses them.

import { internString } from '../../../core/intern.js';

export const WILDCARD = '<_>';

export interface DrainConfig {
  /** Leading tokens that route a line (after its token count): the tree's depth minus two. */
  readonly prefixTokens: number;
  /** Share of tokens that must agree for a line to join a cluster (Loki: 0.3). */
  readonly similarity: number;
  /** Clusters one leaf holds; the least recently used goes when full. */
  readonly maxClustersPerLeaf: number;
  /** Clusters one miner holds in all; beyond it the least recently used goes. */
  readonly maxClusters: number;
  /** Longer lines are mined on their first this-many tokens. */
  readonly maxTokens: number;
}

export const DEFAULT_DRAIN: DrainConfig = {
  prefixTokens: 1,
  similarity: 0.3,
  maxClustersPerLeaf: 100,
  maxClusters: 300,
  maxTokens: 80,
};

export class Cluster {
  /**
   * What the owner counts per cluster, as flat [key, count] pairs in ascending key order (the
   * pattern store's 10 s buckets): a Map per cluster would cost more than the cluster itself.
   */
  samples: number[] = [];

  constructor(
    readonly id: number,
    public tokens: string[],
    public lastUsed: number,
  ) {}

  get pattern(): string {
    return this.tokens.join(' ');
  }
}

const HAS_DIGIT = /\d/;

/** Tokens of a line: runs of non-space characters; a token holding a digit is a parameter. */
export function tokenize(line: string, maxTokens: number): string[] {
  const tokens: string[] = [];
  for (const token of line.split(/\s+/)) {
    if (token === '') continue;
    tokens.push(HAS_DIGIT.test(token) ? parametrize(token) : token);
    if (tokens.length >= maxTokens) {
      tokens.push(WILDCARD);
      break;
    }
  }
  return tokens;
}

/**
 * A token with digits keeps its `key=` part, so `duration=15ms` mines as `duration=<_>` and
 * logfmt lines keep their keys; a bare number is all wildcard.
 */
function parametrize(token: string): string {
  const equals = token.indexOf('=');
  if (equals > 0 && !HAS_DIGIT.test(token.slice(0, equals))) return token.slice(0, equals + 1) + WILDCARD;
  return WILDCARD;
}

// One Drain is kept per stream, so it holds no index beyond its leaves: clusters are found by
// walking them (a few per stream; at most maxClusters), and only lookups by id and eviction walk.
// The tokens of its templates are interned: streams share most of them (`level=info`, `took=<_>`).
export class Drain {
  /**
   * Leaves by routing key. Most streams route to a handful, and a Map costs more than the rest of
   * a small Drain, so up to LEAF_SCAN_LIMIT they are kept as [key, clusters, key, clusters, ...]
   * in one exact-size array and found by a scan; past it, in a Map.
   */
  private leafPairs: Array<string | Cluster[]> = [];
  private leafIndex: Map<string, Cluster[]> | undefined;
  private count = 0;
  private nextId = 1;
  private clock = 0;

  constructor(private readonly config: DrainConfig = DEFAULT_DRAIN) {}

  get size(): number {
    return this.count;
  }

  /** Every cluster, oldest (lowest id) first. */
  clusters(): Cluster[] {
    const all: Cluster[] = [];
    for (const leaf of this.leaves()) all.push(...leaf);
    return all.sort((a, b) => a.id - b.id);
  }

  /** Mines one line; returns its cluster, or undefined for an empty line. */
  train(line: string): Cluster | undefined {
    const tokens = tokenize(line, this.config.maxTokens);
    if (tokens.length === 0) return undefined;
    const key = this.leafKey(tokens);
    const leaf = this.leaf(key);
    this.clock++;
    const match = leaf === undefined ? undefined : this.bestMatch(leaf, tokens);
    if (match !== undefined) {
      for (let i = 0; i < tokens.length; i++) if (match.tokens[i] !== tokens[i]) match.tokens[i] = internString(mergeToken(match.tokens[i]!, tokens[i]!));
      match.lastUsed = this.clock;
      return match;
    }
    const cluster = new Cluster(this.nextId++, tokens.map(internString), this.clock);
    if (leaf !== undefined && leaf.length >= this.config.maxClustersPerLeaf) this.evict(leaf, leastRecent(leaf));
    if (this.count >= this.config.maxClusters) this.evictOldest();
    if (leaf === undefined) this.addLeaf(internString(key), [cluster]);
    else leaf.push(cluster);
    this.count++;
    return cluster;
  }

  cluster(id: number): Cluster | undefined {
    for (const leaf of this.leaves()) for (const cluster of leaf) if (cluster.id === id) return cluster;
    return undefined;
  }

  private leaf(key: string): Cluster[] | undefined {
    if (this.leafIndex !== undefined) return this.leafIndex.get(key);
    const pairs = this.leafPairs;
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === key) return pairs[i + 1] as Cluster[];
    return undefined;
  }

  private addLeaf(key: string, leaf: Cluster[]): void {
    if (this.leafIndex !== undefined) {
      this.leafIndex.set(key, leaf);
      return;
    }
    // concat makes an exact-size array; a pushed one grows to 17 slots, most never used.
    this.leafPairs = this.leafPairs.concat(key, [leaf]);
    if (this.leafPairs.length > 2 * LEAF_SCAN_LIMIT) {
      const index = new Map<string, Cluster[]>();
      for (let i = 0; i < this.leafPairs.length; i += 2) index.set(this.leafPairs[i] as string, this.leafPairs[i + 1] as Cluster[]);
      this.leafIndex = index;
      this.leafPairs = [];
    }
  }

  private *leaves(): Iterable<Cluster[]> {
    if (this.leafIndex !== undefined) {
      yield* this.leafIndex.values();
      return;
    }
    for (let i = 1; i < this.leafPairs.length; i += 2) yield this.leafPairs[i] as Cluster[];
  }

  /** Routing key: token count and the first tokens, a wildcard where a token is a parameter. */
  private leafKey(tokens: readonly string[]): string {
    let key = String(tokens.length);
    for (let i = 0; i < Math.min(this.config.prefixTokens, tokens.length); i++) key += '\u0000' + tokens[i];
    return key;
  }

  private bestMatch(leaf: readonly Cluster[], tokens: readonly string[]): Cluster | undefined {
    let best: Cluster | undefined;
    let bestScore = -1;
    let bestWildcards = -1;
    for (const cluster of leaf) {
      let same = 0;
      let wildcards = 0;
      for (let i = 0; i < tokens.length; i++) {
        const token = cluster.tokens[i];
        // A parameter in the line where the template has one agrees with it.
        if (token === tokens[i]) same++;
        else if (token === WILDCARD) wildcards++;
      }
      // Drain's sequence distance: agreeing tokens over all; wildcards break ties.
      const score = same / tokens.length;
      if (score > bestScore || (score === bestScore && wildcards > bestWildcards)) {
        best = cluster;
        bestScore = score;
        bestWildcards = wildcards;
      }
    }
    return best !== undefined && bestScore >= this.config.similarity ? best : undefined;
  }

  private evict(leaf: Cluster[], cluster: Cluster | undefined): void {
    if (cluster === undefined) return;
    leaf.splice(leaf.indexOf(cluster), 1);
    this.count--;
    this.onEvict?.(cluster);
  }

  private evictOldest(): void {
    let oldest: Cluster | undefined;
    let oldestLeaf: Cluster[] | undefined;
    for (const leaf of this.leaves()) {
      for (const cluster of leaf) {
        if (oldest === undefined || cluster.lastUsed < oldest.lastUsed) {
          oldest = cluster;
          oldestLeaf = leaf;
        }
      }
    }
    if (oldestLeaf !== undefined) this.evict(oldestLeaf, oldest);
  }

  /** Called when a cluster is dropped to make room, so its owner can forget its counts. */
  onEvict?: (cluster: Cluster) => void;
}

const LEAF_SCAN_LIMIT = 8;

/** Two differing tokens: `key=<_>` when both are `key=...` for the same key, else `<_>`. */
function mergeToken(a: string, b: string): string {
  const equals = a.indexOf('=');
  if (equals > 0 && b.startsWith(a.slice(0, equals + 1))) return a.slice(0, equals + 1) + WILDCARD;
  return WILDCARD;
}

function leastRecent(clusters: readonly Cluster[]): Cluster | undefined {
  let oldest: Cluster | undefined;
  for (const cluster of clusters) if (oldest === undefined || cluster.lastUsed < oldest.lastUsed) oldest = cluster;
  return oldest;
}
