/**
 * A consumer process for the exactly-once crash test: a PushConsumer whose listener is the exactly-once helper
 * (side-effect row + processed row in one database transaction). It prints `PROCESSED <body>` and
 * `DUPLICATE <body>` per message. With `lose-acks`, every first delivery that committed is still answered
 * RECONSUME_LATER (the acknowledgement "lost": the broker redelivers it through the retry topic), and offsets are
 * never committed before the test SIGKILLs it, so a successor starts over from the first offset.
 * Usage: node eo-consumer-child.js <postgres|mysql> <tablePrefix> <namesrvAddr> <consumerGroup> <topic> <lose-acks|ack>
 */
import { ExactlyOnceProcessor } from '../../../../src/client/db/index.js';
import { ConsumeConcurrentlyStatus, ConsumeFromWhere, PushConsumer } from '../../../../src/client/index.js';
import { silentLogger } from '../../../../src/util/logger.js';
import type { ConformanceTarget } from '../support.js';
import { mysqlTarget } from './mysql-target.js';
import { postgresTarget } from './postgres-target.js';

const [kind, prefix, namesrvAddr, consumerGroup, topic, mode] = process.argv.slice(2);
if (!kind || !prefix || !namesrvAddr || !consumerGroup || !topic || (mode !== 'lose-acks' && mode !== 'ack')) {
  process.stderr.write('usage: eo-consumer-child <postgres|mysql> <tablePrefix> <namesrvAddr> <consumerGroup> <topic> <lose-acks|ack>\n');
  process.exit(2);
}

async function run<Tx>(target: ConformanceTarget<Tx>): Promise<void> {
  const processor = new ExactlyOnceProcessor<Tx>({
    database: target.dialect({ tablePrefix: prefix }),
    consumerGroup: consumerGroup!,
    handler: (tx, m) => target.insertBusinessRow(tx, `${prefix}effects`, m.body.toString()),
  });
  const consumer = new PushConsumer({
    consumerGroup: consumerGroup!,
    namesrvAddr: namesrvAddr!,
    logger: silentLogger(),
    consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET,
    pollNameServerIntervalMs: 1000,
    heartbeatBrokerIntervalMs: 1000,
    rebalanceIntervalMs: 1000,
    brokerSuspendMaxTimeMillis: 2000,
    maxReconnectBackoffMs: 500,
    pullTimeDelayMillsWhenException: 200,
    persistConsumerOffsetIntervalMs: mode === 'lose-acks' ? 3_600_000 : 500,
  });
  consumer.subscribe(topic!, '*');
  consumer.registerMessageListenerConcurrently(async (messages, context) => {
    context.delayLevelWhenNextConsume = 1;
    let status: ConsumeConcurrentlyStatus = ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    for (const m of messages) {
      try {
        const outcome = await processor.process(m);
        process.stdout.write(`${outcome} ${m.body.toString()}\n`);
        if (outcome === 'PROCESSED' && mode === 'lose-acks') status = ConsumeConcurrentlyStatus.RECONSUME_LATER;
      } catch (err) {
        process.stdout.write(`FAILED ${m.body.toString()} ${(err as Error).message}\n`);
        return ConsumeConcurrentlyStatus.RECONSUME_LATER;
      }
    }
    return status;
  });
  await consumer.start();
  process.stdout.write('STARTED\n');
}

if (kind === 'postgres') await run(postgresTarget());
else await run(mysqlTarget());
