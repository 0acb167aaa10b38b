/** A push consumer that records what it gets (clustering, from the first offset), for tests. */
import { ConsumeConcurrentlyStatus, ConsumeFromWhere, PushConsumer, type MessageExt, type PushConsumerOptions } from '../../../src/client/index.js';
import { fastConsumer, unique } from './target.js';

export interface Collector {
  consumer: PushConsumer;
  messages: MessageExt[];
  bodies(): string[];
  count(body: string): number;
}

export async function collect(namesrvAddr: string, topic: string, options: Partial<PushConsumerOptions> & { expression?: string } = {}): Promise<Collector> {
  const messages: MessageExt[] = [];
  const consumer = new PushConsumer({ consumerGroup: unique('g-collect'), namesrvAddr, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, ...fastConsumer, ...options });
  consumer.subscribe(topic, options.expression ?? '*');
  consumer.registerMessageListenerConcurrently((msgs) => {
    messages.push(...msgs);
    return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
  });
  await consumer.start();
  return {
    consumer,
    messages,
    bodies: () => messages.map((m) => m.body.toString()),
    count: (body) => messages.filter((m) => m.body.toString() === body).length,
  };
}
