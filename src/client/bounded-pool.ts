/**
 * A bounded async pool (the Java client's check thread pool: N workers over a queue of fixed capacity).
 * `submit` answers false when the queue is full: the caller drops the task and says so.
 */
export class BoundedPool {
  private running = 0;
  private readonly queue: Array<() => Promise<void>> = [];
  private head = 0;

  constructor(
    private readonly concurrency: number,
    private readonly capacity: number,
    private readonly onError: (err: unknown) => void,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency ${concurrency} is not a positive integer`);
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`queue size ${capacity} is not a non-negative integer`);
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  submit(task: () => Promise<void>): boolean {
    if (this.running < this.concurrency) {
      this.run(task);
      return true;
    }
    if (this.queued >= this.capacity) return false;
    this.queue.push(task);
    return true;
  }

  private run(task: () => Promise<void>): void {
    this.running++;
    void task()
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.running--;
        if (this.head < this.queue.length) {
          const next = this.queue[this.head] as () => Promise<void>;
          this.queue[this.head++] = noop;
          if (this.head > 1024 && this.head * 2 > this.queue.length) {
            this.queue.splice(0, this.head);
            this.head = 0;
          }
          this.run(next);
        }
      });
  }
}

const noop = async (): Promise<void> => undefined;

/** Resolves with the promise's value, or with `fallback` when it rejects or takes longer than `ms`. */
export async function withTimeout<T>(work: () => T | Promise<T>, ms: number, fallback: (why: string) => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(work),
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(fallback(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } catch (err) {
    return fallback(err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
  }
}
