/**
 * A histogram with one label, kept in plain arrays: an observation is a bucket search and three additions, where
 * prom-client's labelled child hashes its labels and allocates on every call. It registers itself in prom-client
 * registries and renders the same series (`_bucket` with `le`, `_sum`, `_count`) when scraped.
 */
import type { Registry } from 'prom-client';

export interface PlainSeries {
  observe(value: number): void;
}

class Series implements PlainSeries {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    buckets: readonly number[],
    registers: readonly Registry[],
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
    for (const r of registers) r.registerMetric(this as never);
  }

  /** The series of one label value; keep it, so observing costs no lookup. */
  labels(value: string): PlainSeries {
    let s = this.series.get(value);
    if (!s) this.series.set(value, (s = new Series(this.bounds)));
    return s;
  }

  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    for (const [label, s] of this.series) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i]!;
        values.push({ value: cumulative, labels: { le: this.bounds[i]!, [this.labelName]: label }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: s.count, labels: { le: '+Inf', [this.labelName]: label }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: { [this.labelName]: label }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { [this.labelName]: label }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
