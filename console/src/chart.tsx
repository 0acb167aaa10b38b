/** A time-series chart (uPlot) that is updated in place when new points arrive. */
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  color: string;
  values: number[];
}

export function TimeChart(props: { title: string; times: number[]; series: Series[]; unit: string; testId?: string }): JSX.Element {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = props.series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const opts: uPlot.Options = {
      title: props.title,
      width: Math.max(320, el.clientWidth - 4),
      height: 200,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { label: props.unit, size: 60 }],
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22` }))],
    };
    plot.current = new uPlot(opts, toData(props.times, props.series), el);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [labels]);

  useEffect(() => {
    plot.current?.setData(toData(props.times, props.series));
  }, [props.times, props.series]);

  return <div class="chart" ref={holder} data-testid={props.testId} data-points={props.times.length} data-last={summary(props.series, (v) => v[v.length - 1] ?? 0)} data-max={summary(props.series, (v) => Math.max(0, ...v))} />;
}

function toData(times: number[], series: Series[]): uPlot.AlignedData {
  return [times.map((t) => t / 1000), ...series.map((s) => s.values)];
}

/** One figure per series, e.g. the newest or the largest value ("send=12,consume=0"), for tests and tooling. */
function summary(series: Series[], pick: (values: number[]) => number): string {
  return series.map((s) => `${s.label}=${pick(s.values)}`).join(',');
}
