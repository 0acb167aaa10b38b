/**
 * The differential scenarios, written once and run against Apogee and Apache RocketMQ with the official Node
 * client. Each returns what the client observed; differential.spec.ts compares the two records.
 * Tags and message groups carry the run id so a long-lived reference's leftovers never leak in.
 */
import type { MessageView } from 'rocketmq-client-nodejs';
import { ClientType, FilterType } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { TelemetryCommand } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { clientMetadata, rawClient } from '../grpc/support/harness.js';
import {
  bodies,
  consumer,
  outcome,
  producer,
  receiveAckUntil,
  receiveOnce,
  receiveUntil,
  sqlFilter,
  tagFilter,
  viewRecord,
  withClients,
  type Record_,
  type Target,
} from './support.js';

const COMMIT = 1; // apache.rocketmq.v2.TransactionResolution
const ROLLBACK = 2;
const UNKNOWN = 0;

export interface Scenario {
  name: string;
  run(t: Target, messages: string[]): Promise<Record_>;
}

const group = (t: Target, purpose: string): string => `diff-${purpose}-${t.runId}`;

export const SCENARIOS: Scenario[] = [
  {
    name: 'normal send, receive, ack',
    run: (t) =>
      withClients(async (track) => {
        const tag = `normal-${t.runId}`;
        const c = await consumer(t, track, group(t, 'normal'), 'DiffNormal', tag);
        const p = await producer(t, track, 'DiffNormal');
        const receipts = [];
        for (const i of [1, 2, 3]) {
          receipts.push(await p.send({ topic: 'DiffNormal', tag, keys: [`k${i}`, 'common'], body: Buffer.from(`normal-${i}`), properties: new Map([['region', i === 2 ? 'us' : 'eu']]) }));
        }
        const got = await receiveUntil(c, (g) => g.length >= 3, 20_000);
        for (const m of got) await c.ack(m);
        const after = await receiveUntil(c, () => false, 3000);
        return {
          sendReceiptsHaveIds: receipts.every((r) => typeof r.messageId === 'string' && r.messageId.length > 0),
          delivered: got.map(viewRecord).sort((a, b) => String(a['body']).localeCompare(String(b['body']))),
          deliveredAfterAck: bodies(after),
        };
      }),
  },
  {
    name: 'FIFO: order per message group',
    run: (t) =>
      withClients(async (track) => {
        const tag = `fifo-${t.runId}`;
        const c = await consumer(t, track, 'diff-fifo', 'DiffFifo', tag);
        const p = await producer(t, track, 'DiffFifo');
        for (const i of [1, 2, 3]) {
          for (const g of ['A', 'B']) await p.send({ topic: 'DiffFifo', tag, messageGroup: `${g}-${t.runId}`, body: Buffer.from(`${g}${i}`) });
        }
        // Acked as received: a FIFO group holds a message group's next message back until the previous is acked.
        const order: Record<string, string[]> = { A: [], B: [] };
        const until = Date.now() + 30_000;
        while (order['A']!.length + order['B']!.length < 6 && Date.now() < until) {
          const batch = await receiveOnce(c, 10_000);
          for (const m of batch) (order[(m.messageGroup ?? '?').charAt(0)] ??= []).push(m.body.toString());
          for (const m of batch) await c.ack(m);
        }
        return { order, messageGroupsSeen: Object.keys(order).sort(), orderedWithinGroup: order['A']!.join() === 'A1,A2,A3' && order['B']!.join() === 'B1,B2,B3' };
      }),
  },
  {
    name: 'delay: not before the delivery timestamp',
    run: (t) =>
      withClients(async (track) => {
        const tag = `delay-${t.runId}`;
        const c = await consumer(t, track, group(t, 'delay'), 'DiffDelay', tag);
        const p = await producer(t, track, 'DiffDelay');
        const at = new Date(Date.now() + 3000);
        await p.send({ topic: 'DiffDelay', tag, body: Buffer.from('later'), deliveryTimestamp: at });
        const got = await receiveUntil(c, (g) => g.length > 0, 20_000);
        const receivedAt = Date.now();
        for (const m of got) await c.ack(m);
        return {
          delivered: got.map(viewRecord),
          deliveryTimestampEchoed: got.length === 1 && got[0]!.deliveryTimestamp?.getTime() === at.getTime(),
          notEarly: receivedAt >= at.getTime(),
        };
      }),
  },
  {
    name: 'invisible time expiry redelivers with the next attempt; ack ends it',
    run: (t) =>
      withClients(async (track) => {
        const tag = `invisible-${t.runId}`;
        const c = await consumer(t, track, group(t, 'invisible'), 'DiffNormal', tag);
        const p = await producer(t, track, 'DiffNormal');
        await p.send({ topic: 'DiffNormal', tag, body: Buffer.from('not-acked') });
        const first = await receiveUntil(c, (g) => g.length > 0, 15_000);
        const t0 = Date.now();
        // Not acked: it must come back once its 10 s invisible time is over, not before.
        const second = await receiveUntil(c, (g) => g.length > 0, 40_000);
        const backAfterMs = Date.now() - t0;
        for (const m of second) await c.ack(m);
        const after = await receiveUntil(c, () => false, 3000);
        return {
          attempts: [...first, ...second].map((m) => m.deliveryAttempt ?? null),
          backNotBeforeInvisibleTime: backAfterMs >= 9000,
          deliveredAfterAck: bodies(after),
        };
      }),
  },
  {
    name: 'changeInvisibleDuration brings a message back sooner, attempts count up',
    run: (t) =>
      withClients(async (track) => {
        const tag = `civ-${t.runId}`;
        const c = await consumer(t, track, group(t, 'civ'), 'DiffNormal', tag);
        const p = await producer(t, track, 'DiffNormal');
        await p.send({ topic: 'DiffNormal', tag, body: Buffer.from('again') });
        const attempts: (number | null)[] = [];
        let last: MessageView | undefined;
        for (let round = 0; round < 3; round++) {
          const got = await receiveUntil(c, (g) => g.length > 0, 20_000, 30_000);
          if (got.length === 0) break;
          last = got[0]!;
          attempts.push(last.deliveryAttempt ?? null);
          if (round < 2) await c.changeInvisibleDuration(last, 1000);
        }
        if (last) await c.ack(last);
        return { attempts };
      }),
  },
  {
    name: 'dead-letter after max delivery attempts',
    run: (t, messages) =>
      withClients(async (track) => {
        const tag = `dlq-${t.runId}`;
        const c = await consumer(t, track, 'diff-dlq', 'DiffNormal', tag);
        const p = await producer(t, track, 'DiffNormal');
        await p.send({ topic: 'DiffNormal', tag, body: Buffer.from('poison') });
        const attempts: (number | null)[] = [];
        const until = Date.now() + 60_000;
        let quietSince = Date.now();
        // Never acked: each delivery is put back after 1 s until the broker gives up on it.
        while (Date.now() < until && Date.now() - quietSince < 12_000) {
          const got = await receiveOnce(c, 10_000);
          for (const m of got) {
            attempts.push(m.deliveryAttempt ?? null);
            await c.changeInvisibleDuration(m, 1000).catch(() => {});
            quietSince = Date.now();
          }
        }
        // The dead-letter topic, read as a topic of its own by a new group.
        let dlq: Record_ = {};
        const dlqResult = await outcome(async () => {
          const d = await consumer(t, track, group(t, 'dlq-reader'), '%DLQ%diff-dlq', tag);
          const got = await receiveUntil(d, (g) => g.some((m) => m.body.toString() === 'poison'), 15_000);
          const mine = got.filter((m) => m.body.toString() === 'poison');
          for (const m of got) await d.ack(m).catch(() => {});
          dlq = { delivered: mine.map((m) => ({ body: m.body.toString(), tag: m.tag ?? null })) };
        }, messages);
        return { attempts, dlqRead: dlqResult, dlq };
      }),
  },
  {
    name: 'tag filter with alternatives',
    run: (t) =>
      withClients(async (track) => {
        const base = `tags-${t.runId}`;
        const c = await consumer(t, track, group(t, 'tags'), 'DiffNormal', tagFilter(`${base}-a||${base}-b`));
        const p = await producer(t, track, 'DiffNormal');
        for (const x of ['c', 'a', 'b']) await p.send({ topic: 'DiffNormal', tag: `${base}-${x}`, body: Buffer.from(x) });
        const got = await receiveUntil(c, (g) => g.length >= 2, 20_000);
        got.push(...(await receiveUntil(c, () => false, 3000)));
        for (const m of got) await c.ack(m);
        return { delivered: bodies(got) };
      }),
  },
  {
    name: 'SQL92 filter on user properties',
    run: (t) =>
      withClients(async (track) => {
        const tag = `sql-${t.runId}`;
        const c = await consumer(t, track, group(t, 'sql'), 'DiffNormal', sqlFilter(`TAGS = '${tag}' AND region = 'eu' AND amount > 10`));
        const p = await producer(t, track, 'DiffNormal');
        const cases: [string, string, string][] = [['eu-5', 'eu', '5'], ['us-30', 'us', '30'], ['eu-20', 'eu', '20'], ['eu-none', 'eu', '']];
        for (const [body, region, amount] of cases) {
          const props = new Map([['region', region]]);
          if (amount !== '') props.set('amount', amount);
          await p.send({ topic: 'DiffNormal', tag, body: Buffer.from(body), properties: props });
        }
        const got = await receiveUntil(c, (g) => g.length >= 1, 20_000);
        got.push(...(await receiveUntil(c, () => false, 3000)));
        for (const m of got) await c.ack(m);
        return { delivered: bodies(got) };
      }),
  },
  {
    name: 'transactions: commit delivers, rollback never',
    run: (t) =>
      withClients(async (track) => {
        const tag = `txend-${t.runId}`;
        const checked: string[] = [];
        const c = await consumer(t, track, group(t, 'txend'), 'DiffTransaction', tag);
        const p = await producer(t, track, 'DiffTransaction', async (m) => {
          if (m.tag === tag) checked.push(m.body.toString());
          return UNKNOWN;
        });
        const tx1 = p.beginTransaction();
        await p.send({ topic: 'DiffTransaction', tag, body: Buffer.from('committed') }, tx1);
        await tx1.commit();
        const tx2 = p.beginTransaction();
        await p.send({ topic: 'DiffTransaction', tag, body: Buffer.from('rolled-back') }, tx2);
        await tx2.rollback();
        const got = await receiveUntil(c, (g) => g.length >= 1, 20_000);
        got.push(...(await receiveUntil(c, () => false, 3000)));
        for (const m of got) await c.ack(m);
        return { delivered: got.map(viewRecord), checkBacks: checked.sort() };
      }),
  },
  {
    name: 'transactions: unknown outcome is settled by check-back',
    run: (t) =>
      withClients(async (track) => {
        const tag = `txcheck-${t.runId}`;
        const checked = new Map<string, number>();
        const c = await consumer(t, track, group(t, 'txcheck'), 'DiffTransaction', tag);
        const p = await producer(t, track, 'DiffTransaction', async (m) => {
          if (m.tag !== tag) return UNKNOWN;
          const b = m.body.toString();
          const n = (checked.get(b) ?? 0) + 1;
          checked.set(b, n);
          if (b === 'unknown-then-commit') return n === 1 ? UNKNOWN : COMMIT;
          return b === 'commit-by-check' ? COMMIT : ROLLBACK;
        });
        for (const b of ['commit-by-check', 'rollback-by-check', 'unknown-then-commit']) {
          await p.send({ topic: 'DiffTransaction', tag, body: Buffer.from(b) }, p.beginTransaction());
        }
        const ackErrors: Record_[] = [];
        const got = await receiveAckUntil(c, (g) => new Set(bodies(g)).size >= 2, 60_000, ackErrors);
        got.push(...(await receiveAckUntil(c, () => false, 3000, ackErrors)));
        return {
          deliveredDistinct: [...new Set(bodies(got))],
          ackErrors,
          checkedAtLeastOnce: [...checked.keys()].sort(),
          unknownCheckedAgain: (checked.get('unknown-then-commit') ?? 0) >= 2,
        };
      }),
  },
  {
    name: 'transactions: orphaned half message is checked at another producer after its producer exits',
    run: (t) =>
      withClients(async (track) => {
        const tag = `txorphan-${t.runId}`;
        const checkedBy: string[] = [];
        const c = await consumer(t, track, group(t, 'txorphan'), 'DiffTransaction', tag);
        await producer(t, track, 'DiffTransaction', async (m) => {
          if (m.tag !== tag) return UNKNOWN;
          checkedBy.push(`survivor:${m.body.toString()}`);
          return COMMIT;
        });
        const leaving = await producer(t, (x) => x, 'DiffTransaction', async (m) => {
          if (m.tag === tag) checkedBy.push(`leaving:${m.body.toString()}`);
          return UNKNOWN;
        });
        await leaving.send({ topic: 'DiffTransaction', tag, body: Buffer.from('orphan') }, leaving.beginTransaction());
        await leaving.shutdown();
        const ackErrors: Record_[] = [];
        const got = await receiveAckUntil(c, (g) => g.length > 0, 60_000, ackErrors);
        return { deliveredDistinct: [...new Set(bodies(got))], ackErrors, checkedBy: [...new Set(checkedBy)].sort() };
      }),
  },
  {
    name: 'bad input: codes the client sees',
    run: (t, messages) =>
      withClients(async (track) => {
        const record: Record_ = {};
        record['producerForUnknownTopic'] = await outcome(async () => {
          await producer(t, track, `diff-no-such-topic-${t.runId}`);
        }, messages);
        const p = await producer(t, track, 'DiffNormal');
        const pf = await producer(t, track, 'DiffFifo');
        record['sendToUnknownTopic'] = await outcome(() => p.send({ topic: `diff-no-such-topic-${t.runId}`, body: Buffer.from('x') }), messages);
        record['normalMessageToFifoTopic'] = await outcome(() => pf.send({ topic: 'DiffFifo', body: Buffer.from('x') }), messages);
        record['fifoMessageToNormalTopic'] = await outcome(() => p.send({ topic: 'DiffNormal', messageGroup: 'g', body: Buffer.from('x') }), messages);
        record['delayMessageToNormalTopic'] = await outcome(
          () => p.send({ topic: 'DiffNormal', body: Buffer.from('x'), deliveryTimestamp: new Date(Date.now() + 60_000) }),
          messages,
        );
        record['bodyOver4MiB'] = await outcome(() => p.send({ topic: 'DiffNormal', body: Buffer.alloc(4 * 1024 * 1024 + 1, 1) }), messages);
        const tag = `bad-${t.runId}`;
        const c = await consumer(t, track, group(t, 'bad'), 'DiffNormal', tag);
        record['receiveWithInvisible1s'] = await outcome(() => c.receive(1, 1000), messages);
        await p.send({ topic: 'DiffNormal', tag, body: Buffer.from('to-ack') });
        const got = await receiveUntil(c, (g) => g.length > 0, 15_000);
        record['received'] = bodies(got);
        const m = got[0];
        if (m) {
          const forged = Object.assign(Object.create(Object.getPrototypeOf(m) as object) as MessageView, m, { receiptHandle: 'not-a-receipt-handle' });
          record['ackWithForgedReceiptHandle'] = await outcome(() => c.ack(forged), messages);
          record['ackTwice'] = await outcome(async () => {
            await c.ack(m);
            await c.ack(m);
          }, messages);
        }
        return record;
      }),
  },
];

/**
 * What a push consumer is told in the Settings answer on Telemetry (the official clients read their retry
 * schedule and attempt limit from it). Raw client: the official one does not expose the answer.
 */
async function settingsAnswer(t: Target, group: string): Promise<Record_> {
  const client = rawClient(t.endpoint);
  const stream = client.telemetry(clientMetadata(`diff-settings-${group}-${t.runId}`));
  try {
    const answer = await new Promise<TelemetryCommand>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Settings answer from ${t.name} within 10 s`)), 10_000);
      stream.once('data', (c: TelemetryCommand) => {
        clearTimeout(timer);
        resolve(c);
      });
      stream.once('error', (e: Error) => {
        clearTimeout(timer);
        reject(e);
      });
      stream.write({
        status: undefined,
        command: {
          $case: 'settings',
          settings: {
            clientType: ClientType.PUSH_CONSUMER,
            accessPoint: undefined,
            backoffPolicy: undefined,
            requestTimeout: { seconds: 3, nanos: 0 },
            pubSub: {
              $case: 'subscription',
              subscription: {
                group: { name: group, resourceNamespace: '' },
                subscriptions: [{ topic: { name: 'DiffNormal', resourceNamespace: '' }, expression: { type: FilterType.TAG, expression: '*' } }],
                fifo: false,
                receiveBatchSize: 32,
                longPollingTimeout: { seconds: 20, nanos: 0 },
                liteSubscriptionQuota: undefined,
                maxLiteTopicSize: undefined,
              },
            },
            userAgent: undefined,
            metric: undefined,
          },
        },
      });
    });
    const s = answer.command?.$case === 'settings' ? answer.command.settings : undefined;
    const b = s?.backoffPolicy;
    const firstDelayMs =
      b?.strategy?.$case === 'exponentialBackoff'
        ? durationMs(b.strategy.exponentialBackoff.initial)
        : b?.strategy?.$case === 'customizedBackoff'
          ? durationMs(b.strategy.customizedBackoff.next[0])
          : null;
    return {
      status: answer.status?.code ?? null,
      maxAttempts: b?.maxAttempts ?? null,
      backoffStrategy: b?.strategy?.$case ?? null,
      firstRetryDelayMs: firstDelayMs,
      fifo: s?.pubSub?.$case === 'subscription' ? (s.pubSub.subscription.fifo ?? null) : null,
    };
  } finally {
    stream.cancel();
    client.close();
  }
}

function durationMs(d: { seconds: number; nanos: number } | undefined): number | null {
  return d ? d.seconds * 1000 + Math.round(d.nanos / 1e6) : null;
}

SCENARIOS.push({
  name: 'Settings answer: retry policy and FIFO flag per consumer group',
  run: async (t) => ({
    dlqGroup: await settingsAnswer(t, 'diff-dlq'),
    fifoGroup: await settingsAnswer(t, 'diff-fifo'),
    newGroup: await settingsAnswer(t, group(t, 'settings')),
  }),
});
