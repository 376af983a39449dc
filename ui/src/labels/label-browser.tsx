// The label browser: every label name in the range with its number of values, a label's values
// with the number of streams each has (under the other picks), and the selector the picks make.

import { useEffect, useState } from 'preact/hooks';
import { labelNames, labelValues, series } from '../api/loki';
import { linkTo, navigate, updateParams, type Location } from '../shell/router';
import { DEFAULT_RANGE, resolveRange, type TimeRange } from '../time/range';
import { TimePicker } from '../time/time-picker';
import { selectorOf, seriesMatch, type Picks } from './selector';

async function mapLimited<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!);
      }
    }),
  );
  return out;
}

export function LabelBrowser({ location }: { location: Location }) {
  const range: TimeRange = { from: location.params.get('from') ?? DEFAULT_RANGE.from, to: location.params.get('to') ?? DEFAULT_RANGE.to };
  const tenantKey = location.params.get('tenant') ?? '';
  const [names, setNames] = useState<Array<{ name: string; values: number | undefined }>>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [values, setValues] = useState<Array<{ value: string; streams: number }>>([]);
  const [picks, setPicks] = useState<Picks>({});
  const [filter, setFilter] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    const resolved = resolveRange(range);
    if ('error' in resolved) return setError(resolved.error);
    let cancelled = false;
    setError('');
    labelNames(resolved.ns)
      .then(async (list) => {
        const visible = list.filter((n) => !n.startsWith('__'));
        if (cancelled) return;
        setNames(visible.map((name) => ({ name, values: undefined })));
        const counts = await mapLimited(visible, 4, (name) => labelValues(name, resolved.ns).then((v) => v.length, () => 0));
        if (!cancelled) setNames(visible.map((name, i) => ({ name, values: counts[i] })));
      })
      .catch((e: unknown) => !cancelled && setError((e as Error).message));
    return () => {
      cancelled = true;
    };
  }, [range.from, range.to, tenantKey]);

  useEffect(() => {
    if (selected === undefined) return setValues([]);
    const resolved = resolveRange(range);
    if ('error' in resolved) return;
    let cancelled = false;
    series(seriesMatch(picks, selected), resolved.ns)
      .then((list) => {
        const counts = new Map<string, number>();
        for (const s of list) {
          const v = s[selected];
          if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        if (!cancelled) setValues([...counts.entries()].map(([value, streams]) => ({ value, streams })).sort((a, b) => b.streams - a.streams || (a.value < b.value ? -1 : 1)));
      })
      .catch((e: unknown) => !cancelled && setError((e as Error).message));
    return () => {
      cancelled = true;
    };
  }, [selected, JSON.stringify(picks), range.from, range.to, tenantKey]);

  const toggle = (name: string, value: string) => {
    setPicks((p) => {
      const current = p[name] ?? [];
      const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
      return { ...p, [name]: next };
    });
  };
  const selector = selectorOf(picks);
  const hasPicks = selector !== '{}';
  const shown = values.filter((v) => v.value.toLowerCase().includes(filter.toLowerCase()));

  return (
    <div class="label-browser">
      <div class="toolbar">
        <h2>Labels</h2>
        <TimePicker range={range} onChange={(r) => updateParams({ from: r.from, to: r.to })} />
      </div>
      {error !== '' && <p class="error" role="alert">{error}</p>}
      <div class="browser-columns">
        <section aria-label="Label names">
          <h3>Names</h3>
          {names.length === 0 && error === '' && <p class="muted">No labels in this range.</p>}
          <ul class="chip-list" data-testid="label-names">
            {names.map((n) => (
              <li key={n.name}>
                <button type="button" class="chip-button" aria-pressed={selected === n.name} onClick={() => setSelected(n.name)} data-label={n.name}>
                  {n.name} <span class="count">{n.values ?? '…'}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section aria-label="Label values">
          <h3>{selected === undefined ? 'Values' : `Values of ${selected}`}</h3>
          {selected === undefined ? (
            <p class="muted">Pick a label name.</p>
          ) : (
            <>
              <input type="search" placeholder="Filter values" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} aria-label="Filter values" />
              <ul class="value-list" data-testid="label-values">
                {shown.map((v) => (
                  <li key={v.value}>
                    <label>
                      <input type="checkbox" checked={(picks[selected] ?? []).includes(v.value)} onChange={() => toggle(selected, v.value)} data-value={v.value} />
                      <span class="value">{v.value}</span>
                      <span class="count" title="streams">{v.streams} {v.streams === 1 ? 'stream' : 'streams'}</span>
                    </label>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
      <section class="selector-box" aria-label="Selector">
        <code data-testid="built-selector">{selector}</code>
        <div class="query-actions">
          <button type="button" class="primary" disabled={!hasPicks} onClick={() => navigate(linkTo('/ui/explore', location.params, { query: selector }))} data-testid="show-logs">
            Show logs
          </button>
          <button type="button" disabled={!hasPicks} onClick={() => navigate(linkTo('/ui/explore', location.params, { query: `sum(count_over_time(${selector} [1m]))` }))}>
            Show rate
          </button>
          <button type="button" disabled={!hasPicks} onClick={() => setPicks({})}>
            Clear
          </button>
        </div>
      </section>
    </div>
  );
}
