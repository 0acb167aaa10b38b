/**
 * `apogee-mq/client`: Apogee's TypeScript SDK over RocketMQ's remoting protocol (name server → routes →
 * brokers). It runs against `apogee start` and, unchanged, against an Apache RocketMQ cluster.
 */
export * from './types.js';
export { RemotingClient, type RemotingClientOptions } from './remoting-client.js';
