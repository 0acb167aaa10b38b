/** Transactions: pending half messages with manual COMMIT / ROLLBACK (the broker's rules, as the CLI), given-up ones with resend. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { Confirm, ErrorBanner, Link, Notice, PagedTable, messageOf, usePoll } from '../components.js';
import { duration, time } from '../format.js';
import type { GivenUpTx, PendingTx } from '../types.js';

type Action = { kind: 'commit' | 'rollback' | 'resend'; id: string };

const QUESTIONS: Record<Action['kind'], (id: string) => string> = {
  commit: (id) => `Commit transaction ${id}? Its message is delivered to consumers; this cannot be undone.`,
  rollback: (id) => `Roll back transaction ${id}? Its message is discarded; this cannot be undone.`,
  resend: (id) => `Resend given-up transaction ${id}, i.e. commit it: its message goes to its topic.`,
};

export function Transactions(): JSX.Element {
  const pending = usePoll(() => api<{ transactions: PendingTx[]; total: number }>('GET', '/api/transactions?max=1000'), 3000, []);
  const givenUp = usePoll(() => api<{ transactions: GivenUpTx[] }>('GET', '/api/transactions/given-up?max=1000'), 5000, []);
  const [action, setAction] = useState<Action | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();

  const run = async (a: Action): Promise<void> => {
    setAction(undefined);
    setError(undefined);
    setDone(undefined);
    const path = a.kind === 'resend' ? `/api/transactions/given-up/${seg(a.id)}/resend` : `/api/transactions/${seg(a.id)}/${a.kind}`;
    try {
      const res = await api<{ state: string }>('POST', path, {});
      setDone(`Transaction ${a.id}: ${res.state}.`);
      pending.reload();
      givenUp.reload();
    } catch (err) {
      setError(`Could not ${a.kind} transaction ${a.id}: ${messageOf(err)}`);
    }
  };
  const now = Date.now();

  return (
    <section>
      <h1>Transactions</h1>
      <ErrorBanner error={pending.error ?? givenUp.error ?? error} />
      <Notice text={done} />
      {action ? <Confirm question={QUESTIONS[action.kind](action.id)} onConfirm={() => void run(action)} onCancel={() => setAction(undefined)} /> : null}
      <h2>Pending half messages{pending.data ? ` (${pending.data.total})` : ''}</h2>
      <p class="muted">Oldest first. The broker asks the producer group (check-back) once a half message is past its immunity, then at most once per check interval.</p>
      <PagedTable
        testId="pending-tx"
        rows={pending.data?.transactions ?? []}
        rowKey={(t) => t.transactionId}
        empty={pending.data ? 'No pending half messages.' : 'Loading…'}
        columns={[
          { title: 'Transaction id', cell: (t) => t.transactionId },
          { title: 'Message', cell: (t) => <Link href={`/messages/${seg(t.messageId)}`}>{t.messageId}</Link> },
          { title: 'Topic', cell: (t) => t.topic },
          { title: 'Producer group', cell: (t) => t.producerGroup },
          { title: 'Age', num: true, cell: (t) => duration(t.ageMs) },
          { title: 'Check-backs', num: true, cell: (t) => t.checks },
          { title: 'Next check', cell: (t) => (t.nextCheckAt <= now ? 'due' : `in ${duration(t.nextCheckAt - now)}`) },
          { title: 'State', cell: (t) => t.state },
          {
            title: '',
            cell: (t) => (
              <>
                <button type="button" class="primary" onClick={() => setAction({ kind: 'commit', id: t.transactionId })}>
                  Commit
                </button>{' '}
                <button type="button" class="danger" onClick={() => setAction({ kind: 'rollback', id: t.transactionId })}>
                  Roll back
                </button>
              </>
            ),
          },
        ]}
      />
      <h2>Given up</h2>
      <p class="muted">Half messages whose check-backs ran out, kept in TRANS_CHECK_MAX_TIME_TOPIC. Resending commits them.</p>
      <PagedTable
        testId="given-up-tx"
        rows={givenUp.data?.transactions ?? []}
        rowKey={(t) => t.transactionId}
        empty={givenUp.data ? 'No given-up transactions.' : 'Loading…'}
        columns={[
          { title: 'Transaction id', cell: (t) => t.transactionId },
          { title: 'Topic', cell: (t) => t.topic },
          { title: 'Producer group', cell: (t) => t.producerGroup },
          { title: 'Check-backs', num: true, cell: (t) => t.checks },
          { title: 'Given up', cell: (t) => time(t.givenUpAt) },
          { title: 'State', cell: (t) => t.state },
          {
            title: '',
            cell: (t) =>
              t.state === 'given-up' ? (
                <button type="button" onClick={() => setAction({ kind: 'resend', id: t.transactionId })}>
                  Resend
                </button>
              ) : (
                <span class="muted">ended</span>
              ),
          },
        ]}
      />
    </section>
  );
}
