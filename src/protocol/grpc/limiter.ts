/**
 * Backpressure: bounded requests in progress per client id and in total. A request over either bound is
 * answered TOO_MANY_REQUESTS at once instead of queueing, so a flood cannot grow the broker's memory.
 */
export class InFlightLimiter {
  readonly #perClient = new Map<string, number>();
  #total = 0;

  constructor(
    private readonly maxPerClient: number,
    private readonly maxTotal: number,
  ) {}

  get total(): number {
    return this.#total;
  }

  inFlight(clientId: string): number {
    return this.#perClient.get(clientId) ?? 0;
  }

  /** Takes a slot; returns a reason string when refused. */
  tryAcquire(clientId: string): string | undefined {
    if (this.#total >= this.maxTotal) return `server has ${this.#total} requests in progress (limit ${this.maxTotal})`;
    const n = this.#perClient.get(clientId) ?? 0;
    if (n >= this.maxPerClient) return `client ${clientId} has ${n} requests in progress (limit ${this.maxPerClient})`;
    this.#perClient.set(clientId, n + 1);
    this.#total++;
    return undefined;
  }

  release(clientId: string): void {
    const n = this.#perClient.get(clientId);
    if (n === undefined) return;
    if (n <= 1) this.#perClient.delete(clientId);
    else this.#perClient.set(clientId, n - 1);
    this.#total--;
  }
}
