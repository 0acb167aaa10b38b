/**
 * Bodies in the shape RocketMQ's fastjson writes them. Standard JSON except one thing: a map keyed by a
 * MessageQueue is written with the key as a JSON object (`{{"brokerName":..,"queueId":0,"topic":..}:{...}}`),
 * which fastjson reads back and the clients expect for ConsumeStats and TopicStatsTable.
 */
export interface MessageQueueJson {
  brokerName: string;
  queueId: number;
  topic: string;
}

export function messageQueueKeyedMap(entries: ReadonlyArray<readonly [MessageQueueJson, unknown]>): string {
  return '{' + entries.map(([k, v]) => `${JSON.stringify({ brokerName: k.brokerName, queueId: k.queueId, topic: k.topic })}:${JSON.stringify(v)}`).join(',') + '}';
}
