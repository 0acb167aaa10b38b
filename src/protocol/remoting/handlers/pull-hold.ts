/**
 * Long polling for PULL_MESSAGE: a pull that finds nothing new waits here until a message arrives on its queue,
 * its suspend time ends, or its connection closes. Woken by the broker's arrival events; bounded in number.
 */
import { BrokerError, BrokerErrorCode } from '../../../broker/errors.js';

interface Hold {
  wake: () => void;
}

export class PullHoldService {
  private readonly holds = new Map<string, Set<Hold>>();
  private count = 0;

  constructor(private readonly maxHolds: number) {}

  get size(): number {
    return this.count;
  }

  /** Resolves when a message arrives on topic/queue, after `timeoutMs`, or when `until` settles. */
  wait(topic: string, queueId: number, timeoutMs: number, until: Promise<void>): Promise<void> {
    if (this.count >= this.maxHolds) {
      throw new BrokerError(BrokerErrorCode.TOO_MANY_REQUESTS, `too many held pull requests (limit ${this.maxHolds})`, true);
    }
    const key = `${topic}\u0001${queueId}`;
    let set = this.holds.get(key);
    if (!set) this.holds.set(key, (set = new Set()));
    const holds = set;
    this.count++;
    return new Promise<void>((resolve) => {
      let done = false;
      const hold: Hold = {
        wake: () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          holds.delete(hold);
          if (holds.size === 0 && this.holds.get(key) === holds) this.holds.delete(key);
          this.count--;
          resolve();
        },
      };
      holds.add(hold);
      const timer = setTimeout(hold.wake, Math.max(0, timeoutMs));
      void until.then(hold.wake, hold.wake);
    });
  }

  arrived(topic: string, queueId: number): void {
    const set = this.holds.get(`${topic}\u0001${queueId}`);
    if (!set) return;
    for (const h of [...set]) h.wake();
  }

  wakeAll(): void {
    for (const set of [...this.holds.values()]) for (const h of [...set]) h.wake();
  }
}
