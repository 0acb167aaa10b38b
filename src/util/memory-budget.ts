/**
 * The global byte budget (`limits.memoryBudgetBytes`): bytes of requests the broker has accepted and not yet
 * answered, plus answer bytes still queued to slow clients. A new request that would go over it is refused at
 * once (TOO_MANY_REQUESTS / SYSTEM_BUSY) instead of being buffered; answers already made are counted without a
 * check (`hold`), so they push new requests away until they drain. Plain counters: no allocation per call.
 */
export class MemoryBudget {
  #used = 0;
  #peak = 0;
  #refused = 0;

  constructor(readonly limitBytes: number) {
    if (!Number.isFinite(limitBytes) || limitBytes < 1) throw new Error(`memory budget must be >= 1 byte, got ${limitBytes}`);
  }

  /** Bytes counted right now. */
  get used(): number {
    return this.#used;
  }

  /** Highest `used` seen since start. */
  get peak(): number {
    return this.#peak;
  }

  /** Requests refused for lack of room since start. */
  get refused(): number {
    return this.#refused;
  }

  /** Counts `bytes` if they fit; false (and counted as a refusal) when they would go over the limit. */
  tryReserve(bytes: number): boolean {
    // When nothing is counted, one request larger than the whole budget still passes (else it never could).
    if (this.#used + bytes > this.limitBytes && this.#used > 0) {
      this.#refused++;
      return false;
    }
    this.hold(bytes);
    return true;
  }

  /** Counts bytes already in memory (an answer being written): never refused. */
  hold(bytes: number): void {
    this.#used += bytes;
    if (this.#used > this.#peak) this.#peak = this.#used;
  }

  release(bytes: number): void {
    this.#used -= bytes;
    if (this.#used < 0) this.#used = 0;
  }

  /** The refusal text, in RocketMQ's wording so classic clients treat it as "busy, retry later". */
  busyMessage(bytes: number): string {
    return `[REJECTREQUEST]system busy, start flow control for a while (memory budget: ${this.#used} of ${this.limitBytes} bytes in use, request needs ${bytes})`;
  }
}
