// What the live tail shows, entry by entry: each canary line should arrive once, in the order
// it was written. Pure bookkeeping: the canary feeds it lines written and lines received.

export type Arrival = 'ok' | 'duplicate' | 'out_of_order';

export class TailTracker {
  private readonly seen = new Set<number>();
  private highest = -1;

  /** Classifies one received line by its sequence number; an out-of-order line still counts as seen. */
  received(seq: number): Arrival {
    if (this.seen.has(seq)) return 'duplicate';
    this.seen.add(seq);
    if (seq < this.highest) return 'out_of_order';
    this.highest = seq;
    return 'ok';
  }

  hasSeen(seq: number): boolean {
    return this.seen.has(seq);
  }

  /** Forgets lines that were accounted for, to keep memory flat over a long run. */
  forget(seqs: Iterable<number>): void {
    for (const seq of seqs) this.seen.delete(seq);
  }
}
