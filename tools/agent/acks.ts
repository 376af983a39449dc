// Which read lines are done. Every line read gets an id; it is done once each client has
// acknowledged it (or a stage dropped it). A file's committed offset is the end of its longest
// run of done lines from the start, so a position never passes a line still unacknowledged.

interface Pending {
  readonly progress: FileProgress;
  readonly endOffset: number;
  remaining: number;
}

export class FileProgress {
  private readonly queue: Pending[] = [];
  private head = 0;

  constructor(
    readonly path: string,
    readonly identity: string,
    readonly generation: number,
    private readonly commit: (progress: FileProgress, offset: number) => void,
  ) {}

  /** @internal */ enqueue(pending: Pending): void {
    this.queue.push(pending);
  }

  /** @internal */ advance(): void {
    let last: number | undefined;
    while (this.head < this.queue.length && this.queue[this.head]!.remaining === 0) last = this.queue[this.head++]!.endOffset;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (last !== undefined) this.commit(this, last);
  }

  /** Lines read but not yet done. */
  get outstanding(): number {
    return this.queue.length - this.head;
  }
}

export class Acks {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** A new line of `progress` ending at `endOffset`, done after `copies` acknowledgements. */
  add(progress: FileProgress, endOffset: number, copies: number): number {
    const id = this.nextId++;
    const entry: Pending = { progress, endOffset, remaining: copies };
    this.pending.set(id, entry);
    progress.enqueue(entry);
    return id;
  }

  /** One acknowledgement for each id; `all` marks them done at once (a dropped line). */
  done(ids: readonly number[], all = false): void {
    const touched = new Set<FileProgress>();
    for (const id of ids) {
      const entry = this.pending.get(id);
      if (entry === undefined) continue;
      entry.remaining = all ? 0 : entry.remaining - 1;
      if (entry.remaining <= 0) {
        entry.remaining = 0;
        this.pending.delete(id);
      }
      touched.add(entry.progress);
    }
    for (const progress of touched) progress.advance();
  }

  get size(): number {
    return this.pending.size;
  }
}
