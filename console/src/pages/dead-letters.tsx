/** Dead letters: groups with dead-lettered messages; a group's %DLQ% messages, paged, each resendable to its original topic. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ErrorBanner, Link, Notice, PagedTable, messageOf, usePoll } from '../components.js';
import type { GroupStats, Message } from '../types.js';
import { MessageTable } from './messages.js';

const PAGE = 50;

export function DeadLetterGroups(): JSX.Element {
  const list = usePoll(() => api<{ groups: GroupStats[] }>('GET', '/api/stats/groups'), 5000, []);
  const rows = (list.data?.groups ?? []).filter((g) => g.deadLettered > 0).sort((a, b) => b.deadLettered - a.deadLettered);
  return (
    <section>
      <h1>Dead letters</h1>
      <p class="muted">Messages a group could not consume within its max delivery attempts go to its dead-letter topic %DLQ%&lt;group&gt;.</p>
      <ErrorBanner error={list.error} />
      <PagedTable
        testId="dlq-groups"
        rows={rows}
        rowKey={(g) => g.name}
        empty={list.data ? 'No group has dead-lettered messages.' : 'Loading…'}
        columns={[
          { title: 'Group', cell: (g) => <Link href={`/dead-letters/${seg(g.name)}`}>{g.name}</Link> },
          { title: 'Dead-lettered', num: true, cell: (g) => g.deadLettered },
          { title: 'Topics', cell: (g) => g.topics.join(', ') },
        ]}
      />
    </section>
  );
}

interface DlqPage {
  topic: string;
  messages: Message[];
  minOffset: number;
  maxOffset: number;
  nextOffset: number;
}

export function DeadLetterList(props: { group: string }): JSX.Element {
  const [offset, setOffset] = useState(0);
  const page = usePoll(() => api<DlqPage>('GET', `/api/groups/${seg(props.group)}/dead-letters?offset=${offset}&max=${PAGE}`), 5000, [props.group, offset]);
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const resend = async (m: Message): Promise<void> => {
    setError(undefined);
    setDone(undefined);
    try {
      const res = await api<{ result: { messageId: string; topic: string } }>('POST', `/api/groups/${seg(props.group)}/dead-letters/${seg(m.messageId)}/resend`, {});
      setDone(`Resent ${m.messageId} to topic ${res.result.topic} as ${res.result.messageId}.`);
    } catch (err) {
      setError(`Could not resend ${m.messageId}: ${messageOf(err)}`);
    }
  };
  const p = page.data;
  const start = Math.max(offset, p?.minOffset ?? 0);
  return (
    <section>
      <p>
        <Link href="/dead-letters">‹ Dead letters</Link>
      </p>
      <h1>Dead letters of {props.group}</h1>
      <ErrorBanner error={page.error ?? error} />
      <Notice text={done} />
      <MessageTable
        rows={p?.messages ?? []}
        empty={p ? 'No dead-lettered messages.' : 'Loading…'}
        extra={(m) => (
          <button type="button" onClick={() => void resend(m)}>
            Resend
          </button>
        )}
      />
      {p ? (
        <div class="pager">
          <button type="button" disabled={start <= p.minOffset} onClick={() => setOffset(Math.max(p.minOffset, start - PAGE))}>
            ‹ Previous
          </button>
          <span>
            offsets {start}–{Math.max(start, p.nextOffset - 1)} of {p.minOffset}–{Math.max(p.minOffset, p.maxOffset - 1)}
          </span>
          <button type="button" disabled={p.nextOffset >= p.maxOffset} onClick={() => setOffset(p.nextOffset)}>
            Next ›
          </button>
        </div>
      ) : null}
    </section>
  );
}
