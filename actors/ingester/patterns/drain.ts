// A Drain log-template miner (He et al., "Drain: An Online Log Parsing Approach with Fixed Depth
// Tree"), as Loki's pattern ingester runs one per stream: lines are split into tokens, routed
// by token count and leading tokens to a small set of clusters, and joined to the most similar
// cluster if enough tokens agree; tokens that differ become the wildcard `<_>`. The templates
// read as LogQL pattern filters (`|> "<_> level=info msg=<_>"`), which is how Grafana's Logs
// Drilldown uses them.

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

export class Drain {
  private readonly leaves = new Map<string, Cluster[]>();
  private readonly clusters = new Map<number, Cluster>();
  private nextId = 1;
  private clock = 0;

  constructor(private readonly config: DrainConfig = DEFAULT_DRAIN) {}

  get size(): number {
    return this.clusters.size;
  }

  /** Mines one line; returns its cluster, or undefined for an empty line. */
  train(line: string): Cluster | undefined {
    const tokens = tokenize(line, this.config.maxTokens);
    if (tokens.length === 0) return undefined;
    const key = this.leafKey(tokens);
    let leaf = this.leaves.get(key);
    if (leaf === undefined) this.leaves.set(key, (leaf = []));
    this.clock++;
    const match = this.bestMatch(leaf, tokens);
    if (match !== undefined) {
      for (let i = 0; i < tokens.length; i++) if (match.tokens[i] !== tokens[i]) match.tokens[i] = mergeToken(match.tokens[i]!, tokens[i]!);
      match.lastUsed = this.clock;
      return match;
    }
    const cluster = new Cluster(this.nextId++, tokens, this.clock);
    if (leaf.length >= this.config.maxClustersPerLeaf) this.evict(leaf, leastRecent(leaf));
    if (this.clusters.size >= this.config.maxClusters) this.evictOldest();
    leaf.push(cluster);
    this.clusters.set(cluster.id, cluster);
    return cluster;
  }

  cluster(id: number): Cluster | undefined {
    return this.clusters.get(id);
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
    this.clusters.delete(cluster.id);
    this.onEvict?.(cluster);
  }

  private evictOldest(): void {
    let oldest: Cluster | undefined;
    for (const cluster of this.clusters.values()) if (oldest === undefined || cluster.lastUsed < oldest.lastUsed) oldest = cluster;
    if (oldest === undefined) return;
    for (const leaf of this.leaves.values()) {
      if (leaf.includes(oldest)) {
        this.evict(leaf, oldest);
        return;
      }
    }
  }

  /** Called when a cluster is dropped to make room, so its owner can forget its counts. */
  onEvict?: (cluster: Cluster) => void;
}

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
