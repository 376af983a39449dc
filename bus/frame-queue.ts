// A queue between a subscription callback (which pushes) and a consumer (which awaits the next
// item with a deadline), for the streamed-reply protocol.

export const QUEUE_TIMED_OUT = Symbol('queue timed out');

export class FrameQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | typeof QUEUE_TIMED_OUT) => void) | null = null;

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  push(item: T): void {
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter(item);
    } else {
      this.items.push(item);
    }
  }

  /** The next item, or `QUEUE_TIMED_OUT` if none arrives within `timeoutMs`. One caller at a time. */
  next(timeoutMs: number): Promise<T | typeof QUEUE_TIMED_OUT> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift() as T);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(QUEUE_TIMED_OUT);
      }, timeoutMs);
      this.waiter = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
    });
  }
}
