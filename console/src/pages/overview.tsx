/** Overview: health, endpoints, uptime, version, commit log, rate charts (the broker's own history), clients. */
import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { api } from '../api.js';
import { TimeChart } from '../chart.js';
import { Card, ErrorBanner, PagedTable, usePoll } from '../components.js';
import { bytes, duration, endpoint, rate } from '../format.js';
import type { ClientInfo, History, Status } from '../types.js';

/** Minutes of history the charts show (the broker keeps at least this much). */
const CHART_MINUTES = 15;

export function Overview(): JSX.Element {
  const status = usePoll(() => api<Status>('GET', '/api/status'), 3000, []);
  const history = usePoll(() => api<History>('GET', '/api/stats/history'), 3000, []);
  const clients = usePoll(() => api<{ reported: boolean; clients: ClientInfo[] }>('GET', '/api/clients'), 5000, []);
  const s = status.data;

  const chart = useMemo(() => {
    const cutoff = Date.now() - CHART_MINUTES * 60_000;
    const pts = (history.data?.points ?? []).filter((p) => p.t >= cutoff);
    return {
      times: pts.map((p) => p.t),
      rates: [
        { label: 'send', color: '#2f6fdb', values: pts.map((p) => p.sendRate) },
        { label: 'consume', color: '#1e8449', values: pts.map((p) => p.consumeRate) },
      ],
      flush: [{ label: 'flush', color: '#b9770e', values: pts.map((p) => p.flushMs) }],
      last: pts[pts.length - 1],
    };
  }, [history.data]);

  return (
    <section>
      <h1>Overview</h1>
      <ErrorBanner error={status.error ?? history.error} />
      {s ? (
        <div class="cards" data-testid="overview-cards">
          {/* Stale figures stay on screen while the broker is away, but the health says so. */}
          <Card label="Health" value={<span class={s.state === 'serving' && !status.error ? 'conn up' : 'conn down'}>{status.error ? 'no answer' : s.state}</span>} testId="health" />
          <Card label="Broker" value={s.brokerName} />
          <Card label="Version" value={s.version} testId="version" />
          <Card label="Uptime" value={duration(s.uptimeMs)} />
          <Card label="gRPC" value={endpoint(s.grpc)} testId="grpc-endpoint" />
          <Card label="Remoting" value={endpoint(s.remoting)} />
          <Card label="Name server" value={endpoint(s.namesrv)} />
          <Card label="Admin HTTP" value={endpoint(s.http)} />
          <Card label="Topics / groups" value={`${s.topics ?? 0} / ${s.groups ?? 0}`} />
          <Card label="Commit log on disk" value={s.store ? bytes(s.store.commitLogBytesOnDisk) : '—'} testId="commitlog-size" />
          <Card label="Segments" value={s.store?.segments ?? '—'} testId="segments" />
          <Card label="Flush mode / fsyncs" value={`${s.flush} / ${s.store?.fsyncCount ?? 0}`} />
          <Card label="Send rate (msg/s)" value={rate(chart.last?.sendRate ?? 0)} testId="send-rate" />
          <Card label="Consume rate (acks/s)" value={rate(chart.last?.consumeRate ?? 0)} />
          <Card label="Flush latency (mean)" value={`${(chart.last?.flushMs ?? 0).toFixed(2)} ms`} />
        </div>
      ) : !status.error ? (
        <p class="muted">Loading…</p>
      ) : null}
      <h2>Rates, last {CHART_MINUTES} minutes</h2>
      <p class="muted">
        Sampled by the broker every {Math.round((history.data?.intervalMs ?? 5000) / 1000)} s; the newest point covers the time since the last sample.
      </p>
      <div class="charts">
        <TimeChart title="Messages per second" unit="msg/s" times={chart.times} series={chart.rates} testId="rate-chart" />
        <TimeChart title="Commit-log flush latency (mean)" unit="ms" times={chart.times} series={chart.flush} testId="flush-chart" />
      </div>
      <h2>Connected clients</h2>
      <ErrorBanner error={clients.error} />
      {clients.data && !clients.data.reported ? (
        <p class="muted" data-testid="clients-not-reported">
          This broker does not report its live client sessions to the admin API yet.
        </p>
      ) : (
        <PagedTable
          rows={clients.data?.clients ?? []}
          rowKey={(c) => `${c.protocol}/${c.clientId}/${c.group ?? ''}`}
          empty="No clients connected."
          columns={[
            { title: 'Protocol', cell: (c) => c.protocol },
            { title: 'Role', cell: (c) => c.role },
            { title: 'Group', cell: (c) => c.group ?? '—' },
            { title: 'Client id', cell: (c) => c.clientId },
            { title: 'Address', cell: (c) => c.address ?? '—' },
          ]}
        />
      )}
    </section>
  );
}
