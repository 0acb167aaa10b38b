/** Topics: list with counts and rates, create, and a topic's page with per-queue offsets, update and delete. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { Confirm, ErrorBanner, Link, Notice, PagedTable, messageOf, usePoll } from '../components.js';
import { rate, time } from '../format.js';
import { navigate } from '../router.js';
import type { QueueOffsets, Topic, TopicStats } from '../types.js';

const TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];

function permText(perm: number): string {
  return `${perm & 4 ? 'R' : '-'}${perm & 2 ? 'W' : '-'}`;
}

export function TopicList(): JSX.Element {
  const [showSystem, setShowSystem] = useState(false);
  const list = usePoll(() => api<{ topics: TopicStats[] }>('GET', '/api/stats/topics'), 5000, []);
  const rows = (list.data?.topics ?? []).filter((t) => showSystem || !t.system).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section>
      <h1>Topics</h1>
      <ErrorBanner error={list.error} />
      <CreateTopic onCreated={list.reload} />
      <label class="muted">
        <input type="checkbox" checked={showSystem} onChange={(e) => setShowSystem((e.target as HTMLInputElement).checked)} /> show system topics (retry, dead-letter, half messages)
      </label>
      <PagedTable
        testId="topic-table"
        rows={rows}
        rowKey={(t) => t.name}
        empty={list.data ? 'No topics yet.' : 'Loading…'}
        columns={[
          { title: 'Name', cell: (t) => <Link href={`/topics/${seg(t.name)}`}>{t.name}</Link> },
          { title: 'Type', cell: (t) => <span class="tag">{t.messageType}</span> },
          { title: 'Queues (r/w)', num: true, cell: (t) => `${t.readQueueNums}/${t.writeQueueNums}` },
          { title: 'Perm', cell: (t) => permText(t.perm) },
          { title: 'Messages', num: true, cell: (t) => t.messages },
          { title: 'Appended since start', num: true, cell: (t) => t.appended },
          { title: 'msg/s', num: true, cell: (t) => rate(t.rate) },
          { title: 'Created', cell: (t) => time(t.createdAt) },
        ]}
      />
    </section>
  );
}

function CreateTopic(props: { onCreated: () => void }): JSX.Element {
  const [name, setName] = useState('');
  const [type, setType] = useState('NORMAL');
  const [queues, setQueues] = useState('8');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    const n = Number(queues);
    if (name.trim() === '') return setError('Enter a topic name.');
    if (!Number.isInteger(n) || n < 1 || n > 1024) return setError('Queues must be a whole number from 1 to 1024.');
    try {
      const res = await api<{ topic: Topic }>('POST', '/api/topics', { name: name.trim(), messageType: type, queueNums: n });
      setDone(`Created topic ${res.topic.name} (${res.topic.messageType}, ${res.topic.writeQueueNums} queues).`);
      setName('');
      props.onCreated();
    } catch (err) {
      setError(`Could not create the topic: ${messageOf(err)}`);
    }
  };
  return (
    <>
      <form class="inline" onSubmit={(e) => void submit(e)} data-testid="create-topic">
        <label>
          Name
          <input name="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="OrderPaid" />
        </label>
        <label>
          Type
          <select name="type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
            {TYPES.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Queues
          <input name="queues" value={queues} size={5} onInput={(e) => setQueues((e.target as HTMLInputElement).value)} />
        </label>
        <button class="primary" type="submit">
          Create topic
        </button>
      </form>
      <ErrorBanner error={error} />
      <Notice text={done} />
    </>
  );
}

export function TopicDetail(props: { name: string }): JSX.Element {
  const d = usePoll(() => api<{ topic: Topic; queues: QueueOffsets[] }>('GET', `/api/topics/${seg(props.name)}`), 5000, [props.name]);
  const [read, setRead] = useState('');
  const [write, setWrite] = useState('');
  const [perm, setPerm] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const t = d.data?.topic;

  const update = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    const body: Record<string, number> = {};
    for (const [field, v] of [['readQueueNums', read], ['writeQueueNums', write], ['perm', perm]] as const) {
      if (v.trim() === '') continue;
      const n = Number(v);
      if (!Number.isInteger(n)) return setError(`${field} must be a whole number.`);
      body[field] = n;
    }
    if (Object.keys(body).length === 0) return setError('Nothing to change: fill in at least one field.');
    try {
      await api('PUT', `/api/topics/${seg(props.name)}`, body);
      setDone('Topic updated.');
      d.reload();
    } catch (err) {
      setError(`Could not update the topic: ${messageOf(err)}`);
    }
  };
  const remove = async (): Promise<void> => {
    setConfirming(false);
    try {
      await api('DELETE', `/api/topics/${seg(props.name)}`);
      navigate('/topics');
    } catch (err) {
      setError(`Could not delete the topic: ${messageOf(err)}`);
    }
  };

  return (
    <section>
      <p>
        <Link href="/topics">‹ Topics</Link>
      </p>
      <h1>Topic {props.name}</h1>
      <ErrorBanner error={d.error} />
      {t ? (
        <p>
          <span class="tag">{t.messageType}</span> {t.readQueueNums} read / {t.writeQueueNums} write queues, perm {permText(t.perm)}, created {time(t.createdAt)}.{' '}
          <Link href={`/messages?topic=${seg(t.name)}`}>Query its messages</Link>
        </p>
      ) : null}
      <h2>Queues</h2>
      <PagedTable
        testId="queue-table"
        rows={d.data?.queues ?? []}
        rowKey={(q) => String(q.queueId)}
        empty="Loading…"
        columns={[
          { title: 'Queue', num: true, cell: (q) => q.queueId },
          { title: 'Min offset', num: true, cell: (q) => q.minOffset },
          { title: 'Max offset', num: true, cell: (q) => q.maxOffset },
          { title: 'Messages', num: true, cell: (q) => q.maxOffset - q.minOffset },
        ]}
      />
      <h2>Update</h2>
      <form class="inline" onSubmit={(e) => void update(e)} data-testid="update-topic">
        <label>
          Read queues
          <input value={read} size={5} placeholder={String(t?.readQueueNums ?? '')} onInput={(e) => setRead((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Write queues
          <input value={write} size={5} placeholder={String(t?.writeQueueNums ?? '')} onInput={(e) => setWrite((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Perm (0-7)
          <input value={perm} size={4} placeholder={String(t?.perm ?? '')} onInput={(e) => setPerm((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">
          Update
        </button>
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete topic
        </button>
      </form>
      {confirming ? (
        <Confirm question={`Delete topic ${props.name}? Its messages stay on disk until retention removes them, but no one can read them.`} onConfirm={() => void remove()} onCancel={() => setConfirming(false)} />
      ) : null}
      <ErrorBanner error={error} />
      <Notice text={done} />
    </section>
  );
}
