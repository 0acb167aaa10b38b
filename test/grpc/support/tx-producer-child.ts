/**
 * A producer process for the failover tests: sends one half message per body given on the command line with the
 * official client, prints `{"body","messageId","transactionId"}` per line, then stays alive without ending the
 * transactions (its checker never decides) until it is killed.
 * Usage: node tx-producer-child.js ENDPOINT TOPIC BODY...
 */
import { startTxProducer } from './tx-support.js';

const [endpoint, topic, ...bodies] = process.argv.slice(2);
if (!endpoint || !topic || bodies.length === 0) {
  process.stderr.write('usage: tx-producer-child ENDPOINT TOPIC BODY...\n');
  process.exit(2);
}
const producer = await startTxProducer(endpoint, topic, () => 0);
for (const body of bodies) {
  const r = await producer.send({ topic, body: Buffer.from(body) }, producer.beginTransaction());
  process.stdout.write(JSON.stringify({ body, messageId: r.messageId, transactionId: r.transactionId }) + '\n');
}
process.stdout.write('sent\n');
setInterval(() => {}, 60_000);
