/**
 * Long polling: receivers with nothing to take wait here until a message is dispatched to their topic, an
 * in-flight message may have become visible again, or their polling time ends. No busy polling; the number of
 * waiters per consumer group is bounded.
 */
import { BrokerError, BrokerErrorCode } from '../errors.js';

interface Waiter {
  group: string;
  wake: () => void;
}

export class LongPollRegistry {
  private readonly byTopic = new Map<string, Set<Waiter>>();
  private readonly perGroup = new Map<string, number>();

  constructor(private readonly maxWaitersPerGroup: number) {}

  /** Resolves when woken, after `timeoutMs`, or on abort. */
  wait(group: string, topic: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const count = this.perGroup.get(group) ?? 0;
    if (count >= this.maxWaitersPerGroup) {
      throw new BrokerError(
        BrokerErrorCode.TOO_MANY_REQUESTS,
        `consumer group '${group}' already has ${count} receive requests waiting (limit ${this.maxWaitersPerGroup})`,
        true,
      );
    }
    this.perGroup.set(group, count + 1);
    return new Promise<void>((resolve) => {
      let set = this.byTopic.get(topic);
      if (!set) this.byTopic.set(topic, (set = new Set()));
      const waiters = set;
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        if (waiters.delete(waiter)) {
          if (waiters.size === 0) this.byTopic.delete(topic);
          const n = (this.perGroup.get(group) ?? 1) - 1;
          if (n <= 0) this.perGroup.delete(group);
          else this.perGroup.set(group, n);
        }
        resolve();
      };
      const waiter: Waiter = { group, wake: finish };
      waiters.add(waiter);
      const timer = setTimeout(finish, Math.max(0, timeoutMs));
      if (signal) {
        if (signal.aborted) finish();
        else signal.addEventListener('abort', finish, { once: true });
      }
    });
  }

  /** Wakes every waiter on the topic (they re-check their queues). */
  notify(topic: string): void {
    const set = this.byTopic.get(topic);
    if (!set) return;
    for (const w of [...set]) w.wake();
  }

  /** Wakes everyone (shutdown). */
  notifyAll(): void {
    for (const topic of [...this.byTopic.keys()]) this.notify(topic);
  }

  waiting(group?: string): number {
    if (group !== undefined) return this.perGroup.get(group) ?? 0;
    let n = 0;
    for (const v of this.perGroup.values()) n += v;
    return n;
  }
}
