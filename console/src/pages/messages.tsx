/** Messages: query by id or by topic + key; a message's page with properties, body views and what the store knows of its path. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ErrorBanner, Link, PagedTable, usePoll } from '../components.js';
import { bytes, decodeBase64, hexDump, time } from '../format.js';
import { navigate } from '../router.js';
import type { Message } from '../types.js';

export function MessageSearch(props: { topic: string; searchKey: string }): JSX.Element {
  const [id, setId] = useState('');
  const [topic, setTopic] = useState(props.topic);
  const [key, setKey] = useState(props.searchKey);
  const [formError, setFormError] = useState<string | undefined>();
  const searching = props.topic !== '' && props.searchKey !== '';
  const found = usePoll(
    () => (searching ? api<{ messages: Message[] }>('GET', `/api/messages?topic=${seg(props.topic)}&key=${seg(props.searchKey)}&max=64`) : Promise.resolve({ messages: [] })),
    0,
    [props.topic, props.searchKey],
  );
  const byId = (e: Event): void => {
    e.preventDefault();
    if (id.trim() === '') return setFormError('Enter a message id.');
    setFormError(undefined);
    navigate(`/messages/${seg(id.trim())}`);
  };
  const byKey = (e: Event): void => {
    e.preventDefault();
    if (topic.trim() === '' || key.trim() === '') return setFormError('Enter both a topic and a key.');
    setFormError(undefined);
    navigate(`/messages?topic=${seg(topic.trim())}&key=${seg(key.trim())}`);
  };
  return (
    <section>
      <h1>Messages</h1>
      <form class="inline" onSubmit={byId} data-testid="by-id">
        <label>
          Message id
          <input name="id" size={36} value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">
          Find by id
        </button>
      </form>
      <form class="inline" onSubmit={byKey} data-testid="by-key">
        <label>
          Topic
          <input name="topic" value={topic} onInput={(e) => setTopic((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Key
          <input name="key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">
          Find by key
        </button>
      </form>
      <ErrorBanner error={formError ?? found.error} />
      {searching ? (
        <>
          <h2>
            Key {props.searchKey} on {props.topic}
          </h2>
          <MessageTable rows={found.data?.messages ?? []} empty={found.data ? 'No message with that key.' : 'Searching…'} />
        </>
      ) : null}
    </section>
  );
}

export function MessageTable(props: { rows: Message[]; empty: string; extra?: (m: Message) => JSX.Element }): JSX.Element {
  return (
    <PagedTable
      testId="message-table"
      rows={props.rows}
      rowKey={(m) => `${m.topic}/${m.queueId}/${m.queueOffset}`}
      empty={props.empty}
      columns={[
        { title: 'Message id', cell: (m) => <Link href={`/messages/${seg(m.messageId)}`}>{m.messageId}</Link> },
        { title: 'Topic', cell: (m) => m.topic },
        { title: 'Queue/offset', num: true, cell: (m) => `${m.queueId}/${m.queueOffset}` },
        { title: 'Tag', cell: (m) => m.tag ?? '—' },
        { title: 'Keys', cell: (m) => m.keys.join(', ') || '—' },
        { title: 'Stored', cell: (m) => time(m.storeTimestamp) },
        { title: 'Body', cell: (m) => <span class="muted">{m.bodyPreview.slice(0, 60)}</span> },
        ...(props.extra ? [{ title: '', cell: props.extra }] : []),
      ]}
    />
  );
}

type BodyView = 'text' | 'json' | 'hex';

export function MessageDetail(props: { id: string }): JSX.Element {
  const d = usePoll(() => api<{ messages: Message[] }>('GET', `/api/messages/${seg(props.id)}`), 0, [props.id]);
  const copies = d.data?.messages ?? [];
  // The copy in a user topic is the message as sent; retry and dead-letter copies show where it went since.
  const main = copies.find((m) => !m.topic.startsWith('%') && !m.topic.startsWith('RMQ_SYS_')) ?? copies[0];
  return (
    <section>
      <p>
        <Link href="/messages">‹ Messages</Link>
      </p>
      <h1>Message {props.id}</h1>
      <ErrorBanner error={d.error} />
      {main ? <MessageBody m={main} /> : d.data ? null : <p class="muted">Loading…</p>}
      {copies.length > 0 ? (
        <>
          <h2>Where it is stored</h2>
          <p class="muted">
            Every record the store holds under this id: the original, and copies the broker wrote on the way (retry topics <code>%RETRY%group</code>, dead letters <code>%DLQ%group</code>, half
            messages). A per-delivery log (received / acked by which consumer) is not kept by the broker; <em>reconsume times</em> says how many times a copy had been delivered before it was written.
          </p>
          <PagedTable
            testId="copies"
            rows={copies}
            rowKey={(m) => `${m.topic}/${m.queueId}/${m.queueOffset}`}
            empty="—"
            columns={[
              { title: 'Topic', cell: (m) => m.topic },
              { title: 'What', cell: (m) => copyKind(m.topic) },
              { title: 'Queue/offset', num: true, cell: (m) => `${m.queueId}/${m.queueOffset}` },
              { title: 'Stored', cell: (m) => time(m.storeTimestamp) },
              { title: 'Reconsume times', num: true, cell: (m) => m.reconsumeTimes },
            ]}
          />
        </>
      ) : null}
    </section>
  );
}

function copyKind(topic: string): string {
  if (topic.startsWith('%DLQ%')) return `dead-lettered by group ${topic.slice(5)}`;
  if (topic.startsWith('%RETRY%')) return `retry of group ${topic.slice(7)}`;
  if (topic.startsWith('RMQ_SYS_TRANS')) return 'half message (transaction)';
  if (topic === 'TRANS_CHECK_MAX_TIME_TOPIC') return 'given-up half message';
  return 'as sent';
}

function MessageBody(props: { m: Message }): JSX.Element {
  const m = props.m;
  const raw = decodeBase64(m.body);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
  let pretty: string | undefined;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    pretty = undefined;
  }
  const [view, setView] = useState<BodyView>(pretty !== undefined ? 'json' : 'text');
  const shown = view === 'hex' ? hexDump(raw) : view === 'json' ? (pretty ?? 'The body is not JSON.') : text;
  const props2: Array<[string, string]> = [
    ['Topic', m.topic],
    ['Queue / offset', `${m.queueId} / ${m.queueOffset}`],
    ['Commit-log offset', String(m.commitLogOffset)],
    ['Type', m.messageType],
    ['Tag', m.tag ?? '—'],
    ['Keys', m.keys.join(', ') || '—'],
    ['Message group', m.messageGroup ?? '—'],
    ['Delivery time', m.deliveryTimestamp ? time(m.deliveryTimestamp) : '—'],
    ['Born', `${time(m.bornTimestamp)} at ${m.bornHost || '?'}`],
    ['Stored', `${time(m.storeTimestamp)} at ${m.storeHost}`],
    ['Reconsume times', String(m.reconsumeTimes)],
    ['Body size', bytes(m.bodySize)],
  ];
  return (
    <>
      <table data-testid="message-fields">
        <tbody>
          {props2.map(([k, v]) => (
            <tr>
              <th>{k}</th>
              <td>{v}</td>
            </tr>
          ))}
          {Object.entries(m.properties).map(([k, v]) => (
            <tr>
              <th>property {k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Body</h2>
      <div class="tabs">
        {(['text', 'json', 'hex'] as const).map((v) => (
          <button type="button" class={view === v ? 'on' : ''} onClick={() => setView(v)}>
            {v === 'json' ? 'JSON' : v}
          </button>
        ))}
      </div>
      <pre class="body" data-testid="message-body">
        {shown}
      </pre>
    </>
  );
}
