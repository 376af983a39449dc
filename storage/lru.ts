// A least-recently-used cache bounded by total weight (bytes, or 1 per item for a count bound).
// Map iteration order is insertion order, so re-inserting on access keeps the oldest first.

export class LruCache<K, V> {
  private readonly items = new Map<K, { value: V; weight: number }>();
  private total = 0;

  constructor(
    readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get size(): number {
    return this.items.size;
  }

  get weight(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const item = this.items.get(key);
    if (item === undefined) return undefined;
    this.items.delete(key);
    this.items.set(key, item);
    return item.value;
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  /** Stores the value unless it alone outweighs the cache; evicts the oldest until it fits. */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    if (weight > this.maxWeight) return;
    this.items.set(key, { value, weight });
    this.total += weight;
    for (const [oldest, item] of this.items) {
      if (this.total <= this.maxWeight) break;
      this.items.delete(oldest);
      this.total -= item.weight;
    }
  }

  delete(key: K): void {
    const item = this.items.get(key);
    if (item === undefined) return;
    this.items.delete(key);
    this.total -= item.weight;
  }

  clear(): void {
    this.items.clear();
    this.total = 0;
  }
}
