// The volume histogram above the lines: lines per step, stacked by level. Dragging across it
// zooms the range.

import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import type { MatrixSeries } from '../api/types';
import { levelOf } from '../query/analyze';
import { axisStyle, UplotChart } from '../charts/uplot-chart';
import { cssVar } from '../shell/theme';
import { LEVEL_COLOR, levelRank, normalizeLevel } from './levels';

export interface HistogramProps {
  series: MatrixSeries[];
  startMs: number;
  endMs: number;
  stepMs: number;
  theme: string;
  onZoom(fromMs: number, toMs: number): void;
}

export interface Buckets {
  times: number[];
  levels: Array<{ level: string; counts: number[]; total: number }>;
}

/**
 * Counts per level and step. Samples fall on `start + k * step` (Loki evaluates from the range's
 * start); each is put in the nearest slot, so a server that aligns steps differently still fits.
 */
export function bucketize(series: MatrixSeries[], startMs: number, endMs: number, stepMs: number): Buckets {
  const times: number[] = [];
  for (let t = startMs; t <= endMs; t += stepMs) times.push(t / 1000);
  const byLevel = new Map<string, number[]>();
  for (const s of series) {
    const level = normalizeLevel(levelOf(s.metric));
    let counts = byLevel.get(level);
    if (counts === undefined) byLevel.set(level, (counts = new Array<number>(times.length).fill(0)));
    for (const [at, value] of s.values) {
      const i = Math.round((at * 1000 - startMs) / stepMs);
      if (i >= 0 && i < times.length) counts[i]! += Number(value);
    }
  }
  const levels = [...byLevel.entries()]
    .map(([level, counts]) => ({ level, counts, total: counts.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => levelRank(a.level) - levelRank(b.level));
  return { times, levels };
}

export function Histogram({ series, startMs, endMs, stepMs, theme, onZoom }: HistogramProps) {
  const buckets = useMemo(() => bucketize(series, startMs, endMs, stepMs), [series, startMs, endMs, stepMs]);
  // Stacked: each series is drawn as the running sum, the highest first so lower ones sit on it.
  const data = useMemo((): uPlot.AlignedData => {
    const sums = new Array<number>(buckets.times.length).fill(0);
    const stacked = buckets.levels.map((l) => l.counts.map((c, i) => (sums[i]! += c)));
    return [buckets.times, ...stacked.reverse()];
  }, [buckets]);
  const options = useMemo(() => {
    const ordered = [...buckets.levels].reverse();
    return (width: number): uPlot.Options => ({
      width,
      height: 120,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true, range: [startMs / 1000, endMs / 1000] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] } },
      axes: [axisStyle(cssVar('--muted'), cssVar('--grid')), { ...axisStyle(cssVar('--muted'), cssVar('--grid')), size: 44, ticks: { show: false } }],
      series: [
        {},
        ...ordered.map((l) => ({
          label: l.level,
          fill: LEVEL_COLOR[l.level] ?? LEVEL_COLOR['unknown']!,
          stroke: LEVEL_COLOR[l.level] ?? LEVEL_COLOR['unknown']!,
          width: 0,
          paths: uPlot.paths.bars!({ size: [0.9, 40], align: 1 }),
          points: { show: false },
        })),
      ],
      hooks: {
        setSelect: [
          (u: uPlot) => {
            if (u.select.width < 4) return;
            const from = u.posToVal(u.select.left, 'x') * 1000;
            const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onZoom(Math.floor(from), Math.ceil(to));
          },
        ],
      },
    });
  }, [buckets, startMs, endMs]);
  const total = buckets.levels.reduce((a, l) => a + l.total, 0);
  return (
    <section class="histogram" aria-label="Log volume" data-testid="histogram">
      <UplotChart data={data} options={options} theme={theme} />
      <div class="histogram-legend">
        <span class="muted" data-testid="histogram-total">{total.toLocaleString()} lines in range</span>
        {buckets.levels.map((l) => (
          <span class="legend-item" key={l.level} data-level={l.level}>
            <i class="swatch" style={{ background: LEVEL_COLOR[l.level] }} />
            {l.level} {l.total.toLocaleString()}
          </span>
        ))}
      </div>
    </section>
  );
}
