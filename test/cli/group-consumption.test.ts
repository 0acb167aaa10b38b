/**
 * `apogee group describe`, `apogee group reset-offset --to TIME` and the consumption metrics against a spawned
 * `apogee start`, with messages consumed by the official Node client (rocketmq-client-nodejs) over gRPC.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { killSpawnedBrokers, removeTempDirs, runCli, spawnBroker, waitFor, type CliResult, type SpawnedBroker } from '../helpers/broker-process.js';

let broker: SpawnedBroker;
const consumers: SimpleConsumer[] = [];
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--admin', broker.adminUrl]);

function ok(r: CliResult): string {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

const quietLogger = { info: (): void => {}, warn: (): void => {}, error: (): void => {}, debug: (): void => {}, close: (): void => {} };

async function consumer(group: string, topic: string): Promise<SimpleConsumer> {
  const c = new SimpleConsumer({
    endpoints: `${broker.grpc.host}:${broker.grpc.port}`,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 500,
  });
  consumers.push(c);
  await c.startup();
  return c;
}

/** Sends through the admin API; resolves after the broker stored the message. */
async function send(topic: string, body: string): Promise<string> {
  const res = await fetch(`${broker.adminUrl}/api/topics/${topic}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { result: { messageId: string } }).result.messageId;
}

interface QueueRow {
  topic: string;
  queueId: number;
  offset: number;
  maxOffset: number;
  lag: number;
  inFlight: number;
  retrying: number;
  deadLettered: number;
}
interface Described {
  queues: QueueRow[];
  retrying: number;
  deadLettered: number;
}
const describeJson = async (group: string): Promise<Described> => JSON.parse(ok(await cli('group', 'describe', group, '--json'))) as Described;
/** The same answer straight from the admin API: cheaper for polling than a CLI process per look. */
const describeHttp = async (group: string): Promise<Described> => (await (await fetch(`${broker.adminUrl}/api/groups/${group}`)).json()) as Described;

/** Receives until `n` messages came or `ms` passed. */
async function receiveN(c: SimpleConsumer, n: number, invisibleMs: number, ms = 10_000): Promise<MessageView[]> {
  const out: MessageView[] = [];
  const end = Date.now() + ms;
  while (out.length < n && Date.now() < end) out.push(...(await c.receive(n - out.length, invisibleMs)));
  return out;
}

before(async () => {
  broker = await spawnBroker();
});
after(async () => {
  await Promise.all(consumers.map((c) => c.shutdown().catch(() => undefined)));
  // A graceful stop ends the client's streams cleanly; kill whatever is left after that.
  await broker?.stop('SIGTERM').catch(() => undefined);
  await killSpawnedBrokers();
  await removeTempDirs();
});

describe('apogee group describe and metrics, with a real consumer', () => {
  it('shows offset, lag, in-flight, retrying and dead-lettered per queue; /metrics counts deliveries, acks, redeliveries, DLQ moves', async () => {
    ok(await cli('topic', 'create', 'Work', '--type', 'NORMAL', '--queues', '1'));
    ok(await cli('group', 'create', 'GW', '--max-delivery-attempts', '2'));
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await send('Work', `m${i}`));
    const c = await consumer('GW', 'Work');

    const first = await receiveN(c, 4, 1000);
    assert.deepEqual(first.map((m) => m.body.toString()).sort(), ['m0', 'm1', 'm2', 'm3']);
    const byBody = new Map(first.map((m) => [m.body.toString(), m]));
    await c.ack(byBody.get('m0')!);
    await c.changeInvisibleDuration(byBody.get('m1')!, 120_000); // m1 stays in flight for the whole test
    // m2 and m3 are not acked: once their 1 s is over they wait for redelivery.
    await waitFor('m2 and m3 waiting for redelivery', async () => ((await describeHttp('GW')).queues[0]?.retrying === 2 ? true : undefined), 10_000, 50);
    const waiting = await describeJson('GW');
    assert.deepEqual(waiting.queues, [{ topic: 'Work', queueId: 0, offset: 1, maxOffset: 4, lag: 3, inFlight: 1, retrying: 2, deadLettered: 0 }]);
    assert.equal(waiting.retrying, 2);
    const text = ok(await cli('group', 'describe', 'GW'));
    assert.match(text, /^group GW \(concurrent, max delivery attempts 2, consume from young\)\nretrying:\s+2\ndead-lettered:\s+0\n/);
    assert.match(text, /\nTOPIC\s+QUEUE\s+OFFSET\s+MAX-OFFSET\s+LAG\s+IN-FLIGHT\s+RETRYING\s+DLQ\nWork\s+0\s+1\s+4\s+3\s+1\s+2\s+0\n$/);

    // Second and last attempt of m2 and m3; left unacked again, the next receive moves them to %DLQ%GW.
    const second = await receiveN(c, 2, 1000);
    assert.deepEqual(second.map((m) => [m.body.toString(), m.deliveryAttempt]).sort(), [['m2', 2], ['m3', 2]]);
    await waitFor('m2 and m3 dead-lettered', async () => {
      assert.equal((await c.receive(4, 1000)).length, 0, 'nothing more is delivered');
      return (await describeHttp('GW')).deadLettered === 2 ? true : undefined;
    }, 15_000, 0);
    const dead = await describeJson('GW');
    assert.deepEqual(dead.queues, [{ topic: 'Work', queueId: 0, offset: 1, maxOffset: 4, lag: 3, inFlight: 1, retrying: 0, deadLettered: 2 }]);
    assert.match(ok(await cli('group', 'describe', 'GW')), /\nretrying:\s+0\ndead-lettered:\s+2\n[\s\S]*\nWork\s+0\s+1\s+4\s+3\s+1\s+0\s+2\n$/);
    const dlq = JSON.parse(ok(await cli('topic', 'describe', '%DLQ%GW', '--json'))) as { queues: Array<{ maxOffset: number }> };
    assert.equal(dlq.queues[0]?.maxOffset, 2);
    const m2 = JSON.parse(ok(await cli('message', 'get', ids[2]!, '--json'))) as { messages: Array<{ topic: string }> };
    assert.deepEqual(m2.messages.map((m) => m.topic).sort(), ['%DLQ%GW', 'Work'], 'the dead letter keeps its message id');

    const metrics = await (await fetch(`${broker.adminUrl}/metrics`)).text();
    const value = (name: string): number => {
      const m = new RegExp(`^${name}\\{group="GW",topic="Work"\\} (\\d+)$`, 'm').exec(metrics);
      assert.ok(m, `${name} missing in\n${metrics}`);
      return Number(m[1]);
    };
    assert.deepEqual(
      {
        deliveries: value('apogee_consumer_deliveries_total'),
        redeliveries: value('apogee_consumer_redeliveries_total'),
        acks: value('apogee_consumer_acks_total'),
        dlqMoves: value('apogee_consumer_dlq_moves_total'),
        lag: value('apogee_consumer_lag'),
        inFlight: value('apogee_consumer_inflight'),
      },
      { deliveries: 6, redeliveries: 2, acks: 1, dlqMoves: 2, lag: 3, inFlight: 1 },
    );

    // An operator sends m2 back from the DLQ: the group gets it again as a first delivery.
    const resent = ok(await cli('group', 'resend-dead-letter', 'GW', ids[2]!));
    assert.match(resent, new RegExp(`^resent message ${ids[2]} to topic Work as \\S+\\n$`));
    const back = await receiveN(c, 1, 60_000);
    assert.deepEqual(back.map((m) => [m.body.toString(), m.deliveryAttempt]), [['m2', 1]]);
    await c.ack(back[0]!);
    const missing = await cli('group', 'resend-dead-letter', 'GW', 'no-such-id');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no message with id 'no-such-id' in %DLQ%GW \(MESSAGE_NOT_FOUND, HTTP 404\)/);
  });
});

describe('apogee group reset-offset --to TIME, with a real consumer', () => {
  it('redelivers exactly the messages stored at or after the time', async () => {
    ok(await cli('topic', 'create', 'Hist', '--type', 'NORMAL', '--queues', '2'));
    for (let i = 0; i < 4; i++) await send('Hist', `old${i}`);
    // Every old message was stored before `cut`; every new one at `cut` or later (store times are in ms).
    const cut = Date.now() + 1;
    await waitFor('the clock to pass the cut', () => (Date.now() > cut ? true : undefined), 1000, 1);
    for (let i = 0; i < 3; i++) await send('Hist', `new${i}`);

    const c = await consumer('GR', 'Hist');
    const all = await receiveN(c, 7, 30_000);
    assert.deepEqual(all.map((m) => m.body.toString()).sort(), ['new0', 'new1', 'new2', 'old0', 'old1', 'old2', 'old3']);
    for (const m of all) await c.ack(m);
    assert.equal((await describeJson('GR')).queues.reduce((s, q) => s + q.lag, 0), 0);

    const reset = JSON.parse(ok(await cli('group', 'reset-offset', 'GR', '--topic', 'Hist', '--to', new Date(cut).toISOString(), '--json'))) as {
      queues: Array<{ offset: number }>;
    };
    assert.equal(reset.queues.reduce((s, q) => s + q.offset, 0), 4, 'each queue restarts after its old messages');
    const again = await receiveN(c, 3, 30_000);
    for (const m of again) await c.ack(m);
    assert.deepEqual(again.map((m) => m.body.toString()).sort(), ['new0', 'new1', 'new2']);
    assert.equal((await c.receive(8, 30_000)).length, 0, 'no old message comes back');
  });
});
