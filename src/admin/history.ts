/**
 * Rate history for the console's charts: every few seconds the broker's own counters (already kept for /metrics)
 * are read and the per-second rates since the previous sample are stored in a fixed ring buffer. Nothing is added
 * to the send path: the counters exist anyway; the sampler only reads them off a timer. Bounded: `capacity` points
 * of five numbers, plus one running total per topic (topics exist anyway).
 */
import type { Registry } from 'prom-client';
import { isSystemTopicName } from './topic-kinds.js';

export interface RatePoint {
  /** End of the interval, epoch ms. */
  t: number;
  /** Messages appended to user topics per second. */
  sendRate: number;
  /** Messages acked by consumers per second. */
  consumeRate: number;
  /** Messages handed to consumers per second (redeliveries included). */
  deliverRate: number;
  /** Mean commit-log flush latency in the interval, ms (0 when nothing was flushed). */
  flushMs: number;
}

export interface TopicRate {
  /** Records appended since the broker started. */
  appended: number;
  /** Per second over the last sample interval. */
  rate: number;
}

export interface HistorySnapshot {
  intervalMs: number;
  capacity: number;
  /** Oldest first; the last point is a live one covering the time since the last stored sample. */
  points: RatePoint[];
  topics: Record<string, TopicRate>;
}

interface Totals {
  t: number;
  appendedByTopic: Map<string, number>;
  sent: number;
  acked: number;
  delivered: number;
  flushSeconds: number;
  flushes: number;
}

export const DEFAULT_HISTORY_INTERVAL_MS = 5000;
/** 30 minutes at the default interval: the console shows at least the last 15. */
export const DEFAULT_HISTORY_CAPACITY = 360;

export class RateHistory {
  private readonly t: Float64Array;
  private readonly send: Float64Array;
  private readonly consume: Float64Array;
  private readonly deliver: Float64Array;
  private readonly flush: Float64Array;
  private size = 0;
  private next = 0;
  private last: Totals | undefined;
  private topicRates = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly registry: Registry,
    readonly intervalMs: number = DEFAULT_HISTORY_INTERVAL_MS,
    readonly capacity: number = DEFAULT_HISTORY_CAPACITY,
    private readonly now: () => number = Date.now,
  ) {
    this.t = new Float64Array(capacity);
    this.send = new Float64Array(capacity);
    this.consume = new Float64Array(capacity);
    this.deliver = new Float64Array(capacity);
    this.flush = new Float64Array(capacity);
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the counters and stores one point (the first call only sets the baseline). */
  sample(): Promise<void> {
    // One at a time: a slow read never overlaps the next tick.
    this.sampling ??= this.read()
      .then((totals) => {
        if (this.last) {
          this.store(rates(this.last, totals));
          this.topicRates = topicRates(this.last, totals);
        }
        this.last = totals;
      })
      .finally(() => {
        this.sampling = undefined;
      });
    return this.sampling;
  }

  /** The stored points plus a live one since the last sample, and per-topic totals and rates. */
  async snapshot(): Promise<HistorySnapshot> {
    const points: RatePoint[] = [];
    for (let i = 0; i < this.size; i++) {
      const k = (this.next - this.size + i + this.capacity) % this.capacity;
      points.push({ t: this.t[k]!, sendRate: this.send[k]!, consumeRate: this.consume[k]!, deliverRate: this.deliver[k]!, flushMs: this.flush[k]! });
    }
    const current = await this.read();
    const topics: Record<string, TopicRate> = {};
    for (const [name, appended] of current.appendedByTopic) topics[name] = { appended, rate: this.topicRates.get(name) ?? 0 };
    // A live point makes a fresh send show at once instead of at the next tick; it is not stored.
    if (this.last && current.t - this.last.t >= 250) points.push(rates(this.last, current));
    return { intervalMs: this.intervalMs, capacity: this.capacity, points, topics };
  }

  private store(p: RatePoint): void {
    const k = this.next;
    this.t[k] = p.t;
    this.send[k] = p.sendRate;
    this.consume[k] = p.consumeRate;
    this.deliver[k] = p.deliverRate;
    this.flush[k] = p.flushMs;
    this.next = (k + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  private async read(): Promise<Totals> {
    const totals: Totals = { t: this.now(), appendedByTopic: new Map(), sent: 0, acked: 0, delivered: 0, flushSeconds: 0, flushes: 0 };
    for (const v of await values(this.registry, 'apogee_messages_appended_total')) {
      const topic = String(v.labels.topic ?? '');
      totals.appendedByTopic.set(topic, (totals.appendedByTopic.get(topic) ?? 0) + v.value);
      if (!isSystemTopicName(topic)) totals.sent += v.value;
    }
    for (const v of await values(this.registry, 'apogee_consumer_acks_total')) totals.acked += v.value;
    for (const v of await values(this.registry, 'apogee_consumer_deliveries_total')) totals.delivered += v.value;
    for (const v of await values(this.registry, 'apogee_flush_duration_seconds')) {
      if (v.metricName === 'apogee_flush_duration_seconds_sum') totals.flushSeconds += v.value;
      else if (v.metricName === 'apogee_flush_duration_seconds_count') totals.flushes += v.value;
    }
    return totals;
  }
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number | undefined>;
  metricName?: string;
}

async function values(registry: Registry, name: string): Promise<MetricValue[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  const got = (await metric.get()) as { values: MetricValue[] };
  return got.values;
}

function rates(a: Totals, b: Totals): RatePoint {
  const seconds = Math.max(0.001, (b.t - a.t) / 1000);
  const flushes = b.flushes - a.flushes;
  return {
    t: b.t,
    sendRate: round((b.sent - a.sent) / seconds),
    consumeRate: round((b.acked - a.acked) / seconds),
    deliverRate: round((b.delivered - a.delivered) / seconds),
    flushMs: flushes > 0 ? round(((b.flushSeconds - a.flushSeconds) * 1000) / flushes) : 0,
  };
}

function topicRates(a: Totals, b: Totals): Map<string, number> {
  const seconds = Math.max(0.001, (b.t - a.t) / 1000);
  const out = new Map<string, number>();
  for (const [topic, n] of b.appendedByTopic) out.set(topic, round((n - (a.appendedByTopic.get(topic) ?? 0)) / seconds));
  return out;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
