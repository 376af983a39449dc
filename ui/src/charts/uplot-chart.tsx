// A uPlot chart that fills its container's width, follows resizes and is rebuilt when its data,
// options or the theme change (uPlot draws on canvas, so colours are read when it is built).

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UplotChartProps {
  data: uPlot.AlignedData;
  options(width: number): uPlot.Options;
  theme: string;
  testId?: string;
}

export function UplotChart({ data, options, theme, testId }: UplotChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current!;
    const width = Math.max(200, element.clientWidth);
    const plot = new uPlot(options(width), data, element);
    const observer = new ResizeObserver(() => {
      const next = Math.max(200, element.clientWidth);
      if (next !== plot.width) plot.setSize({ width: next, height: plot.height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [data, options, theme]);
  return <div class="chart" ref={host} data-testid={testId} />;
}

/** A palette readable on both themes. */
export const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316', '#6366f1', '#84cc16', '#06b6d4', '#a855f7'];

export function axisStyle(color: string, grid: string): uPlot.Axis {
  return { stroke: color, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}
