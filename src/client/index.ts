/**
 * `apogee-mq/client`: Apogee's TypeScript SDK over RocketMQ's remoting protocol (name server → routes →
 * brokers). It runs against `apogee start` and, unchanged, against an Apache RocketMQ cluster.
 */
export * from './types.js';
export { RemotingClient, type RemotingClientOptions } from './remoting-client.js';
export { MQClientError, MQBrokerError, isMQClientError, NO_RESPONSE_CODE, type ClientErrorKind } from './errors.js';
export type { ClientOptions } from './client-options.js';
export { Producer, type ProducerOptions, type SendOptions, type MessageQueueSelector } from './producer.js';
export { TransactionProducer, type TransactionProducerOptions } from './transaction-producer.js';
export { PushConsumer, type PushConsumerOptions } from './push-consumer.js';
export { LitePullConsumer, type LitePullConsumerOptions } from './lite-pull-consumer.js';
export { Admin, type CreateTopicOptions } from './admin.js';
export { allocateAveragely } from './allocate.js';
