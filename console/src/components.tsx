/** Shared pieces: links, polling, error banners, paged tables, confirmations. */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { navigate } from './router.js';

export function Link(props: { href: string; class?: string; children: ComponentChildren }): JSX.Element {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/** Loads with `load` now, then every `everyMs` (0 = once); keeps the last good data while an error is shown. */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const run = async (): Promise<void> => {
      try {
        const d = await loadRef.current();
        if (!alive) return;
        setData(d);
        setError(undefined);
      } catch (err) {
        if (!alive) return;
        setError(messageOf(err));
      }
      // A page polls even after an error so it recovers by itself when the broker is back.
      if (alive && everyMs > 0) timer = window.setTimeout(() => void run(), everyMs);
    };
    void run();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, reload };
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function ErrorBanner(props: { error: string | undefined }): JSX.Element | null {
  if (!props.error) return null;
  return (
    <div class="banner error" role="alert">
      {props.error}
    </div>
  );
}

export function Notice(props: { text: string | undefined }): JSX.Element | null {
  if (!props.text) return null;
  return (
    <div class="banner ok" role="status">
      {props.text}
    </div>
  );
}

export interface Column<T> {
  title: string;
  num?: boolean;
  cell: (row: T) => ComponentChildren;
}

/** A table showing `pageSize` rows at a time, with previous/next. */
export function PagedTable<T>(props: { rows: T[]; columns: Column<T>[]; pageSize?: number; empty: string; testId?: string; rowKey: (row: T) => string }): JSX.Element {
  const size = props.pageSize ?? 25;
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(props.rows.length / size));
  const current = Math.min(page, pages - 1);
  const rows = props.rows.slice(current * size, current * size + size);
  return (
    <div data-testid={props.testId}>
      <table>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th class={c.num ? 'num' : undefined}>{c.title}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={props.columns.length} class="muted">
                {props.empty}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={props.rowKey(r)}>
                {props.columns.map((c) => (
                  <td class={c.num ? 'num' : undefined}>{c.cell(r)}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
      {pages > 1 ? (
        <div class="pager">
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            ‹ Previous
          </button>
          <span>
            page {current + 1} of {pages} ({props.rows.length} rows)
          </span>
          <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            Next ›
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** An action that asks first: the question is shown with Confirm / Cancel. */
export function Confirm(props: { question: string; onConfirm: () => void; onCancel: () => void }): JSX.Element {
  return (
    <div class="confirm" role="dialog">
      <p>{props.question}</p>
      <button type="button" class="primary" onClick={props.onConfirm}>
        Confirm
      </button>{' '}
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}

export function Card(props: { label: string; value: ComponentChildren; testId?: string }): JSX.Element {
  return (
    <div class="card" data-testid={props.testId}>
      <div class="label">{props.label}</div>
      <div class="value">{props.value}</div>
    </div>
  );
}
