/** Consumer groups: list with lag; a group's page with per-queue progress and offset reset (with confirmation). */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { Confirm, ErrorBanner, Link, Notice, PagedTable, messageOf, usePoll } from '../components.js';
import { time } from '../format.js';
import type { GroupDescription, GroupStats } from '../types.js';

export function GroupList(): JSX.Element {
  const list = usePoll(() => api<{ groups: GroupStats[] }>('GET', '/api/stats/groups'), 5000, []);
  const rows = [...(list.data?.groups ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section>
      <h1>Consumer groups</h1>
      <ErrorBanner error={list.error} />
      <PagedTable
        testId="group-table"
        rows={rows}
        rowKey={(g) => g.name}
        empty={list.data ? 'No consumer groups yet.' : 'Loading…'}
        columns={[
          { title: 'Name', cell: (g) => <Link href={`/groups/${seg(g.name)}`}>{g.name}</Link> },
          { title: 'Topics', cell: (g) => g.topics.join(', ') || '—' },
          { title: 'Lag', num: true, cell: (g) => <span data-testid={`lag-${g.name}`}>{g.lag}</span> },
          { title: 'In flight', num: true, cell: (g) => g.inFlight },
          { title: 'Retrying', num: true, cell: (g) => g.retrying },
          { title: 'Dead-lettered', num: true, cell: (g) => (g.deadLettered > 0 ? <Link href={`/dead-letters/${seg(g.name)}`}>{g.deadLettered}</Link> : 0) },
          { title: 'Delivery', cell: (g) => (g.fifo ? 'FIFO' : 'concurrent') },
          { title: 'Max attempts', num: true, cell: (g) => g.maxDeliveryAttempts },
        ]}
      />
    </section>
  );
}

type ResetKind = 'earliest' | 'latest' | 'time';

export function GroupDetail(props: { name: string }): JSX.Element {
  const d = usePoll(() => api<GroupDescription>('GET', `/api/groups/${seg(props.name)}`), 3000, [props.name]);
  const topics = [...new Set((d.data?.queues ?? []).map((q) => q.topic))];
  const [topic, setTopic] = useState('');
  const [kind, setKind] = useState<ResetKind>('earliest');
  const [at, setAt] = useState('');
  const [confirming, setConfirming] = useState<string | number | undefined>(undefined);
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const g = d.data?.group;
  const chosenTopic = topic || topics[0] || '';

  const ask = (e: Event): void => {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    if (chosenTopic === '') return setError('Choose the topic whose offsets to reset.');
    if (kind === 'time') {
      const t = Date.parse(at);
      if (at === '' || Number.isNaN(t)) return setError('Enter the time to reset to.');
      return setConfirming(t);
    }
    setConfirming(kind);
  };
  const reset = async (to: string | number): Promise<void> => {
    setConfirming(undefined);
    try {
      const res = await api<{ queues: Array<{ queueId: number; offset: number }> }>('POST', `/api/groups/${seg(props.name)}/reset-offset`, { topic: chosenTopic, to });
      setDone(`Reset ${props.name} on ${chosenTopic} to ${describeTarget(to)}: ${res.queues.map((q) => `queue ${q.queueId} → ${q.offset}`).join(', ')}.`);
      d.reload();
    } catch (err) {
      setError(`Could not reset the offsets: ${messageOf(err)}`);
    }
  };

  return (
    <section>
      <p>
        <Link href="/groups">‹ Consumer groups</Link>
      </p>
      <h1>Group {props.name}</h1>
      <ErrorBanner error={d.error} />
      {g ? (
        <p>
          {g.fifo ? 'FIFO' : 'concurrent'} delivery, max delivery attempts {g.maxDeliveryAttempts}, consumes from {g.consumeFromWhere}, created {time(g.createdAt)}. Retrying:{' '}
          {d.data?.retrying ?? 0}; dead-lettered: <Link href={`/dead-letters/${seg(props.name)}`}>{d.data?.deadLettered ?? 0}</Link>.
        </p>
      ) : null}
      <h2>Queues</h2>
      <PagedTable
        testId="group-queues"
        rows={d.data?.queues ?? []}
        rowKey={(q) => `${q.topic}/${q.queueId}`}
        empty={d.data ? 'No consume progress yet.' : 'Loading…'}
        columns={[
          { title: 'Topic', cell: (q) => q.topic },
          { title: 'Queue', num: true, cell: (q) => q.queueId },
          { title: 'Offset', num: true, cell: (q) => q.offset },
          { title: 'Max offset', num: true, cell: (q) => q.maxOffset },
          { title: 'Lag', num: true, cell: (q) => q.lag },
          { title: 'In flight', num: true, cell: (q) => q.inFlight },
          { title: 'Retrying', num: true, cell: (q) => q.retrying },
          { title: 'Dead-lettered', num: true, cell: (q) => q.deadLettered },
        ]}
      />
      <p data-testid="group-lag">Total lag: {(d.data?.queues ?? []).reduce((n, q) => n + q.lag, 0)}</p>
      <h2>Reset offset</h2>
      <form class="inline" onSubmit={ask} data-testid="reset-offset">
        <label>
          Topic
          <select name="topic" value={chosenTopic} onChange={(e) => setTopic((e.target as HTMLSelectElement).value)}>
            {topics.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          To
          <select name="to" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as ResetKind)}>
            <option value="earliest">earliest</option>
            <option value="latest">latest</option>
            <option value="time">a time</option>
          </select>
        </label>
        {kind === 'time' ? (
          <label>
            Time (local)
            <input type="datetime-local" step="1" name="at" value={at} onInput={(e) => setAt((e.target as HTMLInputElement).value)} />
          </label>
        ) : null}
        <button type="submit" class="primary">
          Reset…
        </button>
      </form>
      {confirming !== undefined ? (
        <Confirm
          question={`Reset group ${props.name} on topic ${chosenTopic} to ${describeTarget(confirming)}? Consumers will re-receive or skip messages accordingly.`}
          onConfirm={() => void reset(confirming)}
          onCancel={() => setConfirming(undefined)}
        />
      ) : null}
      <ErrorBanner error={error} />
      <Notice text={done} />
    </section>
  );
}

function describeTarget(to: string | number): string {
  return typeof to === 'number' ? new Date(to).toLocaleString() : to;
}
