/** Per-RPC observations for `/metrics`: the server reports, an injected sink aggregates (prom-client or tests). */
export interface RpcMetricsSink {
  /** One finished call: RPC name, v2 code name ("OK", "TOPIC_NOT_FOUND"), wall time in ms. */
  observe(rpc: string, code: string, latencyMs: number): void;
}

/** A sink that counts in memory; handy for tests and as a reference implementation. */
export class CountingRpcMetrics implements RpcMetricsSink {
  readonly counts = new Map<string, number>();
  readonly latencies = new Map<string, number[]>();

  observe(rpc: string, code: string, latencyMs: number): void {
    const key = `${rpc} ${code}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let l = this.latencies.get(rpc);
    if (!l) this.latencies.set(rpc, (l = []));
    if (l.length < 10_000) l.push(latencyMs);
  }

  count(rpc: string, code?: string): number {
    let n = 0;
    for (const [k, v] of this.counts) {
      const [r, c] = k.split(' ');
      if (r === rpc && (code === undefined || c === code)) n += v;
    }
    return n;
  }
}
