/**
 * What pop consumption reports for metrics. The broker knows no metrics library: admin/ plugs a sink in, as the
 * store's metrics sink works for appends. Calls are per receive batch or per ack, never per scrape.
 */
export interface ConsumptionMetricsSink {
  /** Messages handed to a receiver: first deliveries and redeliveries (attempt 2 and later). */
  delivered(group: string, topic: string, first: number, redelivered: number): void;
  acked(group: string, topic: string): void;
  /** A message moved to `%DLQ%<group>` (max attempts reached or on request). */
  deadLettered(group: string, topic: string): void;
}
