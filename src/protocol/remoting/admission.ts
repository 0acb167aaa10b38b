/**
 * Admission of remoting requests, shared by every connection of one listener: at most `maxInFlight` requests
 * in progress and the frame bytes within the global byte budget. A request over either is answered SYSTEM_BUSY
 * at once with RocketMQ's "[REJECTREQUEST]system busy" remark, which the classic clients treat as retriable.
 */
import type { MemoryBudget } from '../../util/memory-budget.js';

export class RemotingAdmission {
  #inFlight = 0;
  #refused = 0;

  constructor(
    readonly maxInFlight: number,
    readonly budget: MemoryBudget | undefined,
  ) {}

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests refused (in-flight bound or budget) since start. */
  get refused(): number {
    return this.#refused;
  }

  /** undefined = admitted (call `done(bytes)` once answered); otherwise the SYSTEM_BUSY remark. */
  admit(bytes: number): string | undefined {
    if (this.#inFlight >= this.maxInFlight) {
      this.#refused++;
      return `[REJECTREQUEST]system busy, start flow control for a while (${this.#inFlight} requests in progress, limit ${this.maxInFlight})`;
    }
    if (this.budget !== undefined && !this.budget.tryReserve(bytes)) {
      this.#refused++;
      return this.budget.busyMessage(bytes);
    }
    this.#inFlight++;
    return undefined;
  }

  done(bytes: number): void {
    this.#inFlight--;
    this.budget?.release(bytes);
  }
}
