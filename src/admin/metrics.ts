/**
 * Prometheus metrics of one broker, in its own registry (no global registry, so several brokers can live in one
 * process). Append/flush figures arrive through the store's metrics sink, deliveries/acks/dead-letter moves through
 * the broker's consumption sink; sizes and consumer lag are read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BrokerApi, TransactionStats } from '../broker/api.js';
import type { ConsumptionMetricsSink } from '../broker/consumption/metrics-sink.js';
import type { StoreMetricsSink, StoreStats } from '../store/types.js';
import { PlainHistogram, type PlainSeries } from './plain-histogram.js';

export interface MetricsSources {
  /** undefined while the store is not open. */
  storeStats(): StoreStats | undefined;
  /** undefined unless the broker is serving. */
  broker(): BrokerApi | undefined;
  /** gRPC requests in progress; undefined while the gRPC server is not up. */
  grpcInFlight?(): number | undefined;
  /** The global byte budget: bytes counted now, the highest count, requests refused for it. */
  memoryBudget?(): { used: number; peak: number; refused: number } | undefined;
}

/** Per-RPC observations from the gRPC front (same shape as its RpcMetricsSink; admin imports no protocol code). */
export interface RpcObservationSink {
  /** One finished call: RPC name, v2 code name ("OK", "TOPIC_NOT_FOUND"), wall time in ms. */
  observe(rpc: string, code: string, latencyMs: number): void;
}

export interface BrokerMetrics {
  readonly registry: Registry;
  /** Hand to `openMessageStore({ metrics })`. */
  readonly storeSink: StoreMetricsSink;
  /** Hand to `startGrpcServer({ metrics })`. */
  readonly rpcSink: RpcObservationSink;
  /** Hand to `Broker.open({ consumptionMetrics })`. */
  readonly consumptionSink: ConsumptionMetricsSink;
  /** Prometheus text exposition. */
  scrape(): Promise<{ contentType: string; text: string }>;
}

interface TopicCounters {
  messages: Counter.Internal;
  bytes: Counter.Internal;
  /** Not yet folded into the prom-client counters. */
  pendingMessages: number;
  pendingBytes: number;
}

interface RpcCodeCounter {
  counter: Counter.Internal;
  pending: number;
}

interface GroupTopicCounters {
  deliveries: Counter.Internal;
  redeliveries: Counter.Internal;
  acks: Counter.Internal;
  deadLettered: Counter.Internal;
  /** Acks not yet folded into `acks` (one per acked message: the hot one). */
  pendingAcks: number;
}

export function createBrokerMetrics(sources: MetricsSources): BrokerMetrics {
  const registry = new Registry();
  const registers = [registry];

  // Hot-path counts (per append, per RPC) are plain numbers folded into prom-client when scraped: a labelled
  // prom-client child hashes its labels on every inc, which cost more than the rest of the observation.
  const perTopic = new Map<string, TopicCounters>();
  const messages = new Counter({
    name: 'apogee_messages_appended_total',
    help: 'Records appended to the commit log',
    labelNames: ['topic'],
    registers,
    collect(): void {
      for (const c of perTopic.values()) if (c.pendingMessages > 0) (c.messages.inc(c.pendingMessages), (c.pendingMessages = 0));
    },
  });
  const bytes = new Counter({
    name: 'apogee_bytes_appended_total',
    help: 'Record bytes appended to the commit log',
    labelNames: ['topic'],
    registers,
    collect(): void {
      for (const c of perTopic.values()) if (c.pendingBytes > 0) (c.bytes.inc(c.pendingBytes), (c.pendingBytes = 0));
    },
  });
  const flushSeconds = new Histogram({
    name: 'apogee_flush_duration_seconds',
    help: 'Commit-log flush (fdatasync) latency',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const flushedRecords = new Counter({ name: 'apogee_flushed_records_total', help: 'Records made durable by flushes', registers });

  const statGauge = (name: string, help: string, pick: (s: StoreStats) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect(): void {
        const s = sources.storeStats();
        if (s) this.set(pick(s));
      },
    });
  };
  statGauge('apogee_commitlog_size_bytes', 'Bytes of commit-log segments on disk', (s) => s.commitLogBytesOnDisk);
  statGauge('apogee_commitlog_max_offset', 'Next commit-log write position', (s) => s.commitLogMaxOffset);
  statGauge('apogee_commitlog_flushed_offset', 'Commit-log offset below which everything is on disk', (s) => s.flushedOffset);
  statGauge('apogee_commitlog_segments', 'Commit-log segment files', (s) => s.segments);
  statGauge('apogee_commitlog_fsyncs', 'fdatasync calls on the commit log since start', (s) => s.fsyncCount);

  // Filled by the lag gauge's synchronous collect (one describeGroup pass per scrape), so it is registered after it.
  const inFlight = new Gauge({ name: 'apogee_consumer_inflight', help: 'Messages received and not yet acked, per group and topic', labelNames: ['group', 'topic'], registers: [] });
  new Gauge({
    name: 'apogee_consumer_lag',
    help: 'Messages a consumer group has not consumed yet, per topic',
    labelNames: ['group', 'topic'],
    registers,
    collect(): void {
      this.reset();
      inFlight.reset();
      const broker = sources.broker();
      if (!broker) return;
      for (const g of broker.listGroups()) {
        let description;
        try {
          description = broker.describeGroup(g.name);
        } catch {
          continue; // deleted between list and describe
        }
        const perTopic = new Map<string, { lag: number; inFlight: number }>();
        for (const q of description.queues) {
          const t = perTopic.get(q.topic) ?? { lag: 0, inFlight: 0 };
          t.lag += q.lag;
          t.inFlight += q.inFlight;
          perTopic.set(q.topic, t);
        }
        for (const [topic, v] of perTopic) {
          this.set({ group: g.name, topic }, v.lag);
          inFlight.set({ group: g.name, topic }, v.inFlight);
        }
      }
    },
  });

  registry.registerMetric(inFlight);
  registerTransactionMetrics(registers, sources);

  const groupLabels = ['group', 'topic'];
  const deliveries = new Counter({ name: 'apogee_consumer_deliveries_total', help: 'Messages handed to receivers, redeliveries included', labelNames: groupLabels, registers });
  const redeliveries = new Counter({ name: 'apogee_consumer_redeliveries_total', help: 'Deliveries of attempt 2 or later', labelNames: groupLabels, registers });
  const acks = new Counter({
    name: 'apogee_consumer_acks_total',
    help: 'Messages acked',
    labelNames: groupLabels,
    registers,
    collect(): void {
      for (const byTopic of perGroup.values()) {
        for (const c of byTopic.values()) if (c.pendingAcks > 0) (c.acks.inc(c.pendingAcks), (c.pendingAcks = 0));
      }
    },
  });
  const dlqMoves = new Counter({ name: 'apogee_consumer_dlq_moves_total', help: 'Messages moved to the dead-letter topic %DLQ%<group>', labelNames: groupLabels, registers });
  // Keyed by group, then topic: no string is built per call. Bounded by the groups and topics that exist.
  const perGroup = new Map<string, Map<string, GroupTopicCounters>>();
  const countersOf = (group: string, topic: string): GroupTopicCounters => {
    let byTopic = perGroup.get(group);
    if (!byTopic) perGroup.set(group, (byTopic = new Map()));
    let c = byTopic.get(topic);
    if (!c) {
      const labels = { group, topic };
      c = { deliveries: deliveries.labels(labels), redeliveries: redeliveries.labels(labels), acks: acks.labels(labels), deadLettered: dlqMoves.labels(labels), pendingAcks: 0 };
      byTopic.set(topic, c);
    }
    return c;
  };
  const consumptionSink: ConsumptionMetricsSink = {
    delivered(group: string, topic: string, first: number, redelivered: number): void {
      const c = countersOf(group, topic);
      c.deliveries.inc(first + redelivered);
      if (redelivered > 0) c.redeliveries.inc(redelivered);
    },
    acked(group: string, topic: string): void {
      countersOf(group, topic).pendingAcks++;
    },
    deadLettered(group: string, topic: string): void {
      countersOf(group, topic).deadLettered.inc();
    },
  };

  // The sink is on the append path: a record costs one map lookup and two additions.
  const storeSink: StoreMetricsSink = {
    appended(topic: string, size: number): void {
      let c = perTopic.get(topic);
      if (!c) {
        c = { messages: messages.labels(topic), bytes: bytes.labels(topic), pendingMessages: 0, pendingBytes: 0 };
        perTopic.set(topic, c);
      }
      c.pendingMessages++;
      c.pendingBytes += size;
    },
    flushed(durationMs: number, records: number): void {
      flushSeconds.observe(durationMs / 1000);
      flushedRecords.inc(records);
    },
  };

  // Keyed by RPC, then code: no string is built per call. A handful of RPCs x codes.
  const rpcCounters = new Map<string, Map<string, RpcCodeCounter>>();
  const rpcRequests = new Counter({
    name: 'apogee_grpc_requests_total',
    help: 'Finished gRPC calls by RPC and v2 status code',
    labelNames: ['rpc', 'code'],
    registers,
    collect(): void {
      for (const byCode of rpcCounters.values()) {
        for (const c of byCode.values()) if (c.pending > 0) (c.counter.inc(c.pending), (c.pending = 0));
      }
    },
  });
  const rpcSeconds = new PlainHistogram(
    'apogee_grpc_request_duration_seconds',
    'gRPC call latency by RPC (ReceiveMessage includes its long poll)',
    'rpc',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  );
  new Gauge({
    name: 'apogee_grpc_requests_in_flight',
    help: 'gRPC requests in progress (Telemetry streams excluded)',
    registers,
    collect(): void {
      const n = sources.grpcInFlight?.();
      if (n !== undefined) this.set(n);
    },
  });
  new Gauge({
    name: 'apogee_memory_budget_used_bytes',
    help: 'Bytes counted in limits.memoryBudgetBytes: requests in progress and answers not yet read by clients',
    registers,
    collect(): void {
      const b = sources.memoryBudget?.();
      if (b !== undefined) this.set(b.used);
    },
  });
  new Gauge({
    name: 'apogee_memory_budget_refused',
    help: 'Requests refused (TOO_MANY_REQUESTS / SYSTEM_BUSY) because they did not fit in the byte budget, since start',
    registers,
    collect(): void {
      const b = sources.memoryBudget?.();
      if (b !== undefined) this.set(b.refused);
    },
  });
  const rpcHistograms = new Map<string, PlainSeries>();
  const rpcSink: RpcObservationSink = {
    observe(rpc: string, code: string, latencyMs: number): void {
      let byCode = rpcCounters.get(rpc);
      if (!byCode) rpcCounters.set(rpc, (byCode = new Map()));
      let c = byCode.get(code);
      if (!c) byCode.set(code, (c = { counter: rpcRequests.labels(rpc, code), pending: 0 }));
      c.pending++;
      let h = rpcHistograms.get(rpc);
      if (!h) rpcHistograms.set(rpc, (h = rpcSeconds.labels(rpc)));
      h.observe(latencyMs / 1000);
    },
  };

  return {
    registry,
    storeSink,
    rpcSink,
    consumptionSink,
    async scrape() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}

/**
 * Transaction figures, read from the broker's transaction service at scrape time. The counters count since the
 * broker process started (Prometheus handles the reset on restart).
 */
function registerTransactionMetrics(registers: Registry[], sources: MetricsSources): void {
  const read = (pick: (s: TransactionStats) => number) =>
    function (this: Gauge | Counter): void {
      const stats = sources.broker()?.transactionStats();
      if (!stats) return;
      this.reset();
      if (this instanceof Gauge) this.set(pick(stats));
      else this.inc(pick(stats));
    };
  const gauge = (name: string, help: string, pick: (s: TransactionStats) => number): void => {
    new Gauge({ name, help, registers, collect: read(pick) });
  };
  const counter = (name: string, help: string, pick: (s: TransactionStats) => number): void => {
    new Counter({ name, help, registers, collect: read(pick) });
  };
  gauge('apogee_transaction_half_pending', 'Half messages waiting for COMMIT/ROLLBACK or a check-back answer', (s) => s.pending);
  gauge('apogee_transaction_given_up', 'Half messages given up after the max check-backs and not ended since', (s) => s.givenUp);
  counter('apogee_transaction_commits_total', 'Transactions committed (by producers, check-back answers or operators)', (s) => s.commits);
  counter('apogee_transaction_rollbacks_total', 'Transactions rolled back', (s) => s.rollbacks);
  counter('apogee_transaction_checks_sent_total', 'Check-backs sent to a live producer', (s) => s.checksSent);
  counter('apogee_transaction_checks_answered_total', 'Check-backs answered with COMMIT or ROLLBACK', (s) => s.checksAnswered);
  counter('apogee_transaction_checks_timed_out_total', 'Check-backs not answered within the check interval', (s) => s.checksTimedOut);
  counter('apogee_transaction_checks_skipped_total', 'Check-backs skipped because no live producer declared the topic (not counted as attempts)', (s) => s.checksSkippedNoProducer);
  counter('apogee_transaction_give_ups_total', 'Half messages moved to TRANS_CHECK_MAX_TIME_TOPIC after the max check-backs', (s) => s.giveUps);
}
