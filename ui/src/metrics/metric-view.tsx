// Metric results: a time-series chart with a legend per series, or a table of the series with
// their latest, minimum, maximum and mean values. Instant results (vectors, scalars) are tables.

import { useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { MatrixSeries, QueryData, VectorSample } from '../api/types';
import { axisStyle, PALETTE, UplotChart } from '../charts/uplot-chart';
import { labelsText } from '../query/analyze';
import { cssVar } from '../shell/theme';
import { formatTimestamp } from '../time/range';

const MAX_CHART_SERIES = 100;

export function alignSeries(series: MatrixSeries[]): uPlot.AlignedData {
  const times = [...new Set(series.flatMap((s) => s.values.map((v) => v[0])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = series.map((s) => {
    const column: Array<number | null> = new Array<number | null>(times.length).fill(null);
    for (const [t, v] of s.values) column[index.get(t)!] = Number(v);
    return column;
  });
  return [times, ...columns] as uPlot.AlignedData;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000 || Number.isInteger(v)) return v.toLocaleString(undefined, { maximumFractionDigits: 2 });
  return v.toPrecision(4).replace(/\.?0+$/, '');
}

function MetricChart({ series, theme }: { series: MatrixSeries[]; theme: string }) {
  const shown = series.slice(0, MAX_CHART_SERIES);
  const data = useMemo(() => alignSeries(shown), [series]);
  const options = useMemo(
    () =>
      (width: number): uPlot.Options => ({
        width,
        height: 300,
        legend: { show: true, live: true },
        cursor: { points: { size: 6 } },
        scales: { x: { time: true } },
        axes: [axisStyle(cssVar('--muted'), cssVar('--grid')), { ...axisStyle(cssVar('--muted'), cssVar('--grid')), size: 56, values: (_u, splits) => splits.map(formatValue) }],
        series: [
          { value: (_u, v) => (v === null ? '' : formatTimestamp(v * 1000)) },
          ...shown.map((s, i) => ({
            label: labelsText(s.metric),
            stroke: PALETTE[i % PALETTE.length]!,
            width: 1.5,
            spanGaps: false,
            points: { show: s.values.length < 3 },
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatValue(v)),
          })),
        ],
      }),
    [series],
  );
  return (
    <div data-testid="metric-chart">
      <UplotChart data={data} options={options} theme={theme} />
      {series.length > MAX_CHART_SERIES && <p class="muted">Showing the first {MAX_CHART_SERIES} of {series.length} series; the table has them all.</p>}
    </div>
  );
}

interface Row {
  labels: string;
  latest: number;
  min: number;
  max: number;
  mean: number;
  points: number;
}

function rowsOf(data: QueryData): Row[] {
  if (data.resultType === 'matrix') {
    return data.result.map((s) => {
      const values = s.values.map((v) => Number(v[1]));
      return {
        labels: labelsText(s.metric),
        latest: values[values.length - 1] ?? NaN,
        min: Math.min(...values),
        max: Math.max(...values),
        mean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length),
        points: values.length,
      };
    });
  }
  const samples: VectorSample[] = data.resultType === 'vector' ? data.result : data.resultType === 'scalar' ? [{ metric: {}, value: data.result }] : [];
  return samples.map((s) => {
    const v = Number(s.value[1]);
    return { labels: labelsText(s.metric), latest: v, min: v, max: v, mean: v, points: 1 };
  });
}

function MetricTable({ data }: { data: QueryData }) {
  const rows = rowsOf(data);
  const instant = data.resultType !== 'matrix';
  return (
    <div class="table-wrap">
      <table class="data-table" data-testid="metric-table">
        <thead>
          <tr>
            <th scope="col">Series</th>
            <th scope="col" class="num">{instant ? 'Value' : 'Latest'}</th>
            {!instant && (
              <>
                <th scope="col" class="num">Min</th>
                <th scope="col" class="num">Max</th>
                <th scope="col" class="num">Mean</th>
                <th scope="col" class="num">Points</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <td>
                <code>{row.labels}</code>
              </td>
              <td class="num">{formatValue(row.latest)}</td>
              {!instant && (
                <>
                  <td class="num">{formatValue(row.min)}</td>
                  <td class="num">{formatValue(row.max)}</td>
                  <td class="num">{formatValue(row.mean)}</td>
                  <td class="num">{row.points}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MetricView({ data, theme }: { data: QueryData; theme: string }) {
  const [view, setView] = useState<'chart' | 'table'>('chart');
  const chartable = data.resultType === 'matrix';
  const series = data.resultType === 'matrix' ? data.result : [];
  if (rowsOf(data).length === 0) return <p class="empty">No series in this range.</p>;
  return (
    <section class="metric-view" aria-label="Metric result">
      {chartable && (
        <div class="segmented" role="group" aria-label="Result view">
          <button type="button" aria-pressed={view === 'chart'} onClick={() => setView('chart')} data-testid="view-chart">
            Chart
          </button>
          <button type="button" aria-pressed={view === 'table'} onClick={() => setView('table')} data-testid="view-table">
            Table
          </button>
        </div>
      )}
      {chartable && view === 'chart' ? <MetricChart series={series} theme={theme} /> : <MetricTable data={data} />}
    </section>
  );
}
