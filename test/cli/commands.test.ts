/** Every client command of `apogee` against a real spawned `apogee start`, success and error paths. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killSpawnedBrokers, removeTempDirs, runCli, spawnBroker, waitFor, type CliResult, type SpawnedBroker } from '../helpers/broker-process.js';

let broker: SpawnedBroker;
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--admin', broker.adminUrl]);

function ok(r: CliResult): string {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}
function fails(r: CliResult, code: number, stderr: RegExp): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, stderr);
  assert.ok(r.stderr.trim().split('\n').length <= 2, `a short message, got:\n${r.stderr}`);
}
const json = <T>(r: CliResult): T => JSON.parse(ok(r)) as T;

before(async () => {
  broker = await spawnBroker();
});
after(async () => {
  await killSpawnedBrokers();
  await removeTempDirs();
});

describe('apogee topic', () => {
  it('creates, lists, updates, describes and deletes topics', async () => {
    assert.match(ok(await cli('topic', 'create', 'Orders', '--type', 'NORMAL', '--queues', '4')), /^created topic Orders \(NORMAL, 4 queues, RW\)\n$/);
    assert.match(ok(await cli('topic', 'create', 'Fifo1', '--type', 'fifo')), /created topic Fifo1 \(FIFO, 8 queues/);

    const table = ok(await cli('topic', 'list'));
    assert.match(table, /^NAME\s+TYPE\s+READ-QUEUES\s+WRITE-QUEUES\s+PERM\s+CREATED\n/);
    assert.match(table, /\nFifo1\s+FIFO\s+8\s+8\s+RW\s+\d{4}-/);
    assert.match(table, /\nOrders\s+NORMAL\s+4\s+4\s+RW\s+\d{4}-/);
    const listed = json<{ topics: Array<{ name: string; messageType: string; readQueueNums: number }> }>(await cli('topic', 'list', '--json'));
    assert.deepEqual(
      listed.topics.filter((t) => ['Orders', 'Fifo1'].includes(t.name)).map((t) => [t.name, t.messageType, t.readQueueNums]).sort(),
      [['Fifo1', 'FIFO', 8], ['Orders', 'NORMAL', 4]],
    );

    assert.match(ok(await cli('topic', 'update', 'Orders', '--queues', '6')), /updated topic Orders \(NORMAL, 6 queues/);
    const described = ok(await cli('topic', 'describe', 'Orders'));
    assert.match(described, /^topic Orders \(NORMAL, 6 queues, RW\)\nQUEUE\s+MIN-OFFSET\s+MAX-OFFSET\s+MESSAGES\n/);
    assert.equal(described.trim().split('\n').length, 2 + 6);
    const d = json<{ topic: { name: string }; queues: Array<{ queueId: number; minOffset: number; maxOffset: number }> }>(await cli('topic', 'describe', 'Orders', '--json'));
    assert.deepEqual(d.queues.map((q) => q.queueId), [0, 1, 2, 3, 4, 5]);

    assert.equal(ok(await cli('topic', 'delete', 'Fifo1')), 'deleted topic Fifo1\n');
    assert.doesNotMatch(ok(await cli('topic', 'list')), /Fifo1/);
  });

  it('refuses bad requests with a one-line message and a non-zero exit', async () => {
    await cli('topic', 'create', 'Dup', '--type', 'NORMAL');
    const [dup, badName, reserved, unknownType, unknownFlag, noType, missing, badQueues] = await Promise.all([
      cli('topic', 'create', 'Dup', '--type', 'NORMAL'),
      cli('topic', 'create', 'bad name!', '--type', 'NORMAL'),
      cli('topic', 'create', 'RMQ_SYS_X', '--type', 'NORMAL'),
      cli('topic', 'create', 'T2', '--type', 'WEIRD'),
      cli('topic', 'create', 'T3', '--type', 'NORMAL', '--bogus'),
      cli('topic', 'create', 'T4'),
      cli('topic', 'describe', 'NoSuchTopic'),
      cli('topic', 'create', 'T5', '--type', 'NORMAL', '--queues', 'many'),
    ]);
    fails(dup, 1, /^error: .*'Dup' already exists \(ALREADY_EXISTS, HTTP 409\)\n$/);
    fails(badName, 1, /^error: .*bad name!.*\(ILLEGAL_TOPIC, HTTP 400\)\n$/);
    fails(reserved, 1, /RMQ_SYS_.*\(ILLEGAL_TOPIC, HTTP 400\)/);
    fails(unknownType, 2, /^error: option '--type <type>' argument 'WEIRD' is invalid\. must be one of NORMAL, FIFO, DELAY, TRANSACTION/);
    fails(unknownFlag, 2, /^error: unknown option '--bogus'/);
    fails(noType, 2, /required option '--type <type>' not specified/);
    fails(missing, 1, /NoSuchTopic.*\(TOPIC_NOT_FOUND, HTTP 404\)/);
    fails(badQueues, 2, /--queues.*must be an integer/);
    // Nothing was created by the refused requests.
    const names = json<{ topics: Array<{ name: string }> }>(await cli('topic', 'list', '--json')).topics.map((t) => t.name);
    for (const n of ['T2', 'T3', 'T4', 'T5', 'bad name!', 'RMQ_SYS_X']) assert.ok(!names.includes(n), `${n} must not exist`);
  });
});

describe('apogee message', () => {
  it('sends, gets by id and queries by key', async () => {
    ok(await cli('topic', 'create', 'Shop', '--type', 'NORMAL', '--queues', '2'));
    const sent = json<{ result: { messageId: string; queueId: number; queueOffset: number } }>(
      await cli('message', 'send', '--topic', 'Shop', '--body', 'hello apogee', '--tag', 'TagA', '--keys', 'order-1', '--keys', 'cust-9', '--property', 'color=red', '--json'),
    );
    const id = sent.result.messageId;
    assert.ok(id.length > 0);
    assert.match(ok(await cli('message', 'send', '--topic', 'Shop', '--body', 'second', '--keys', 'order-2')), /^sent message \S+ to topic Shop \(queue \d offset \d\)\n$/);

    const text = ok(await cli('message', 'get', id));
    assert.match(text, new RegExp(`message id:\\s+${id}\\n`));
    assert.match(text, /topic:\s+Shop\n/);
    assert.match(text, /tag:\s+TagA\n/);
    assert.match(text, /keys:\s+order-1 cust-9\n/);
    assert.match(text, /properties:\s+color=red\n/);
    assert.match(text, /body \(utf8\):\s+hello apogee\n/);
    const got = json<{ messages: Array<{ messageId: string; body: string; bodyPreview: string; bodySize: number; queueOffset: number }> }>(await cli('message', 'get', id, '--json'));
    assert.equal(got.messages.length, 1);
    assert.equal(Buffer.from(got.messages[0]!.body, 'base64').toString('utf8'), 'hello apogee');
    assert.equal(got.messages[0]!.bodyPreview, 'hello apogee');
    assert.equal(got.messages[0]!.bodySize, 12);
    assert.equal(got.messages[0]!.queueOffset, sent.result.queueOffset);

    const q = ok(await cli('message', 'query', '--topic', 'Shop', '--key', 'order-1'));
    assert.match(q, /^MESSAGE-ID\s+QUEUE\s+OFFSET\s+TAG\s+KEYS\s+STORED\s+BODY\n/);
    assert.match(q, new RegExp(`\\n${id}\\s+${sent.result.queueId}\\s+${sent.result.queueOffset}\\s+TagA\\s+order-1 cust-9\\s+\\S+\\s+hello apogee\\n`));
    assert.equal(q.trim().split('\n').length, 2);
    const none = ok(await cli('message', 'query', '--topic', 'Shop', '--key', 'nobody'));
    assert.equal(none, 'no message of topic Shop has key nobody\n');

    const d = json<{ queues: Array<{ maxOffset: number }> }>(await cli('topic', 'describe', 'Shop', '--json'));
    assert.equal(d.queues.reduce((s, q) => s + q.maxOffset, 0), 2);
  });

  it('sends a DELAY message that becomes visible on its topic once due', async () => {
    ok(await cli('topic', 'create', 'Later', '--type', 'DELAY', '--queues', '1'));
    assert.match(ok(await cli('message', 'send', '--topic', 'Later', '--body', 'due soon', '--keys', 'dk', '--delay-ms', '300')), /^sent message \S+ to topic Later \(scheduled\)\n$/);
    const found = await waitFor('the delayed message on its topic', async () => {
      const r = json<{ messages: Array<{ bodyPreview: string }> }>(await cli('message', 'query', '--topic', 'Later', '--key', 'dk', '--json'));
      return r.messages.length > 0 ? r.messages : undefined;
    }, 10_000, 100);
    assert.equal(found[0]!.bodyPreview, 'due soon');
    fails(await cli('message', 'send', '--topic', 'Later', '--body', 'no time'), 1, /\(ILLEGAL_DELIVERY_TIME, HTTP 400\)/);
    assert.match(ok(await cli('message', 'send', '--topic', 'Later', '--body', 'level one', '--keys', 'lk', '--delay-level', '1')), /\(scheduled\)\n$/);
    const levelled = await waitFor('the delay-level message on its topic', async () => {
      const r = json<{ messages: Array<{ bodyPreview: string }> }>(await cli('message', 'query', '--topic', 'Later', '--key', 'lk', '--json'));
      return r.messages.length > 0 ? r.messages : undefined;
    }, 10_000, 100);
    assert.equal(levelled[0]!.bodyPreview, 'level one');
    fails(await cli('message', 'send', '--topic', 'Later', '--body', 'x', '--delay-level', '19'), 2, /--delay-level.*must be between 1 and 18/);
  });

  it('refuses bad message requests', async () => {
    const [unknownId, noKey, noBody, noTopic] = await Promise.all([
      cli('message', 'get', 'no-such-id'),
      cli('message', 'query', '--topic', 'Shop'),
      cli('message', 'send', '--topic', 'Shop'),
      cli('message', 'send', '--topic', 'Nowhere', '--body', 'x'),
    ]);
    fails(unknownId, 1, /no message with id no-such-id \(MESSAGE_NOT_FOUND, HTTP 404\)/);
    fails(noKey, 2, /required option '--key <key>' not specified/);
    fails(noBody, 2, /exactly one of --body TEXT or --body-file FILE/);
    fails(noTopic, 1, /Nowhere.*\(TOPIC_NOT_FOUND, HTTP 404\)/);
  });
});

describe('apogee group', () => {
  it('creates, lists, describes, updates, resets offsets and deletes groups', async () => {
    ok(await cli('topic', 'create', 'Pay', '--type', 'NORMAL', '--queues', '2'));
    ok(await cli('message', 'send', '--topic', 'Pay', '--body', 'p1'));
    ok(await cli('message', 'send', '--topic', 'Pay', '--body', 'p2'));

    assert.match(ok(await cli('group', 'create', 'G1', '--fifo', '--max-delivery-attempts', '5')), /^created group G1 \(FIFO, max delivery attempts 5, consume from young\)\n$/);
    assert.match(ok(await cli('group', 'create', 'G2')), /created group G2 \(concurrent, max delivery attempts 17/);
    const table = ok(await cli('group', 'list'));
    assert.match(table, /^NAME\s+FIFO\s+MAX-ATTEMPTS\s+CONSUME-FROM\s+CREATED\n/);
    assert.match(table, /\nG1\s+yes\s+5\s+young\s+\d{4}-/);
    assert.match(table, /\nG2\s+no\s+17\s+young\s+\d{4}-/);
    const listed = json<{ groups: Array<{ name: string; fifo: boolean; maxDeliveryAttempts: number }> }>(await cli('group', 'list', '--json'));
    assert.deepEqual(listed.groups.find((g) => g.name === 'G1'), { ...listed.groups.find((g) => g.name === 'G1'), fifo: true, maxDeliveryAttempts: 5 });

    assert.match(ok(await cli('group', 'describe', 'G1')), /^group G1 \(FIFO, max delivery attempts 5, consume from young\)\nretrying:\s+0\ndead-lettered:\s+0\n/);

    const latest = json<{ queues: Array<{ queueId: number; offset: number }> }>(await cli('group', 'reset-offset', 'G1', '--topic', 'Pay', '--to', 'latest', '--json'));
    assert.deepEqual(latest.queues.map((q) => q.queueId).sort(), [0, 1]);
    assert.equal(latest.queues.reduce((s, q) => s + q.offset, 0), 2);
    const earliest = ok(await cli('group', 'reset-offset', 'G1', '--topic', 'Pay', '--to', 'earliest'));
    assert.match(earliest, /^reset group G1 on topic Pay to earliest\nQUEUE\s+OFFSET\n0\s+0\n1\s+0\n$/);
    const future = json<{ queues: Array<{ offset: number }> }>(await cli('group', 'reset-offset', 'G1', '--topic', 'Pay', '--to', new Date(Date.now() + 3_600_000).toISOString(), '--json'));
    assert.equal(future.queues.reduce((s, q) => s + q.offset, 0), 2, 'a time after every message resets to the end');
    const past = json<{ queues: Array<{ offset: number }> }>(await cli('group', 'reset-offset', 'G1', '--topic', 'Pay', '--to', String(Date.now() - 3_600_000), '--json'));
    assert.equal(past.queues.reduce((s, q) => s + q.offset, 0), 0, 'a time before every message resets to the start');

    assert.match(ok(await cli('group', 'update', 'G1', '--no-fifo', '--max-delivery-attempts', '7')), /updated group G1 \(concurrent, max delivery attempts 7/);
    assert.equal(ok(await cli('group', 'delete', 'G2')), 'deleted group G2\n');
    fails(await cli('group', 'describe', 'G2'), 1, /G2.*\(CONSUMER_GROUP_NOT_FOUND, HTTP 404\)/);
  });

  it('refuses bad group requests', async () => {
    await cli('group', 'create', 'GDup');
    const [dup, badName, reserved, badTo, noTopic, badAttempts, unknownTopic] = await Promise.all([
      cli('group', 'create', 'GDup'),
      cli('group', 'create', 'bad group!'),
      cli('group', 'create', '%RETRY%x'),
      cli('group', 'reset-offset', 'GDup', '--topic', 'Pay', '--to', 'yesterday'),
      cli('group', 'reset-offset', 'GDup', '--to', 'earliest'),
      cli('group', 'create', 'G9', '--max-delivery-attempts', '0'),
      cli('group', 'reset-offset', 'GDup', '--topic', 'NoTopic', '--to', 'earliest'),
    ]);
    fails(dup, 1, /GDup.*already exists \(ALREADY_EXISTS, HTTP 409\)/);
    fails(badName, 1, /\(ILLEGAL_CONSUMER_GROUP, HTTP 400\)/);
    fails(reserved, 1, /\(ILLEGAL_CONSUMER_GROUP, HTTP 400\)/);
    fails(badTo, 2, /--to must be earliest, latest, epoch milliseconds or an ISO-8601 time/);
    fails(noTopic, 2, /required option '--topic <topic>' not specified/);
    fails(badAttempts, 2, /--max-delivery-attempts.*must be between 1 and 1000/);
    fails(unknownTopic, 1, /NoTopic.*\(TOPIC_NOT_FOUND, HTTP 404\)/);
  });
});

describe('apogee status and command-line errors', () => {
  it('reports health and store statistics', async () => {
    const text = ok(await cli('status'));
    assert.match(text, /^state:\s+serving\n/);
    assert.match(text, new RegExp(`\\nhttp:\\s+127\\.0\\.0\\.1:${broker.http.port}\\n`));
    assert.match(text, new RegExp(`\\ngrpc:\\s+127\\.0\\.0\\.1:${broker.grpc.port}\\n`));
    assert.match(text, /\nlast stop:\s+clean\n/);
    const s = json<{ state: string; dataDir: string; store: { appendCount: number; commitLogMaxOffset: number } }>(await cli('status', '--json'));
    assert.equal(s.state, 'serving');
    assert.equal(s.dataDir, broker.dataDir);
    assert.ok(s.store.commitLogMaxOffset > 0, 'messages were appended by earlier tests');
  });

  it('takes the admin URL from APOGEE_ADMIN', async () => {
    const r = await runCli(['status', '--json'], { env: { APOGEE_ADMIN: broker.adminUrl } });
    assert.equal((JSON.parse(ok(r)) as { state: string }).state, 'serving');
  });

  it('refuses unknown commands and bad admin URLs', async () => {
    const [unknown, badUrl, topLevelFlag] = await Promise.all([runCli(['frobnicate']), runCli(['status', '--admin', 'not a url']), runCli(['--nope'])]);
    fails(unknown, 2, /unknown command 'frobnicate'/);
    fails(badUrl, 2, /invalid admin URL "not a url"/);
    fails(topLevelFlag, 2, /unknown option '--nope'/);
  });
});
