// Explore: the query editor, the range, and the results of the query in the URL. Running a
// query writes it to the URL; the URL is the only source of what is shown.

import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { QueryEditor } from '../editor/query-editor';
import { appendPage, commonLabels } from '../logs/entries';
import { Histogram } from '../logs/histogram';
import { LiveTail } from '../logs/live-tail';
import { LogList } from '../logs/log-list';
import { MetricView } from '../metrics/metric-view';
import { analyze } from '../query/analyze';
import { filterQuery, type LabelSource } from '../query/edit';
import { onLinkClick, updateParams, type Location } from '../shell/router';
import { DEFAULT_RANGE, resolveRange, type TimeRange } from '../time/range';
import { TimePicker } from '../time/time-picker';
import { olderPage, runExplore, type ExploreResult } from './run-query';

const LIMITS = [100, 500, 1000, 5000];

function readWrap(): boolean {
  try {
    return localStorage.getItem('norn.wrap') !== 'false';
  } catch {
    return true;
  }
}

export function ExplorePage({ location, theme }: { location: Location; theme: string }) {
  const committed = location.params.get('query') ?? '';
  const range: TimeRange = { from: location.params.get('from') ?? DEFAULT_RANGE.from, to: location.params.get('to') ?? DEFAULT_RANGE.to };
  const limit = Number(location.params.get('limit') ?? '') || 100;
  const live = location.params.get('live') === '1';
  const tenantKey = location.params.get('tenant') ?? '';

  const [draft, setDraft] = useState(committed);
  const [result, setResult] = useState<ExploreResult | undefined>();
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [runCount, setRunCount] = useState(0);
  const [wrap, setWrap] = useState(readWrap);
  const resolved = useMemo(() => resolveRange(range), [range.from, range.to, runCount]);

  useEffect(() => setDraft(committed), [committed]);
  useEffect(() => {
    try {
      localStorage.setItem('norn.wrap', String(wrap));
    } catch {
      // Storage refused: the toggle still works for this page.
    }
  }, [wrap]);

  useEffect(() => {
    if (committed.trim() === '' || live) {
      setResult(undefined);
      setError('');
      return;
    }
    if ('error' in resolved) {
      setError(resolved.error);
      return;
    }
    const abort = new AbortController();
    setLoading(true);
    setError('');
    runExplore(committed, resolved, limit, abort.signal)
      .then((r) => setResult(r))
      .catch((e: unknown) => {
        if (!abort.signal.aborted) {
          setResult(undefined);
          setError((e as Error).message);
        }
      })
      .finally(() => !abort.signal.aborted && setLoading(false));
    return () => abort.abort();
  }, [committed, resolved, limit, live, tenantKey]);

  const run = useCallback((text: string) => {
    const current = new URLSearchParams(window.location.search);
    if (text === current.get('query') && current.get('live') !== '1') setRunCount((n) => n + 1);
    else updateParams({ query: text, live: undefined });
  }, []);

  const moreRef = useRef(false);
  const loadMore = useCallback(async () => {
    if (moreRef.current || result?.kind !== 'log' || !result.hasMore || 'error' in resolved) return;
    const oldest = result.entries[result.entries.length - 1];
    if (oldest === undefined) return;
    moreRef.current = true;
    setLoadingMore(true);
    try {
      const page = await olderPage(committed, resolved.ns, oldest.ns, limit, result.knownSeries);
      const merged = appendPage(result.entries, page);
      setResult({ ...result, entries: merged, hasMore: merged.length > result.entries.length && page.length >= limit });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      moreRef.current = false;
      setLoadingMore(false);
    }
  }, [result, resolved, committed, limit]);

  const onFilter = (source: LabelSource, name: string, value: string, include: boolean) => {
    const next = filterQuery(committed, source, name, value, include);
    setDraft(next);
    updateParams({ query: next });
  };

  const analysis = analyze(draft);
  const canTail = analyze(committed).kind === 'log';
  const common = result?.kind === 'log' ? commonLabels(result.entries) : {};

  return (
    <div class="explore">
      <form
        class="query-bar"
        onSubmit={(e) => {
          e.preventDefault();
          run(draft);
        }}
      >
        <QueryEditor value={draft} onChange={setDraft} onRun={run} range={() => ('error' in resolved ? undefined : resolved.ns)} />
        <div class="query-actions">
          <TimePicker range={range} onChange={(r) => updateParams({ from: r.from, to: r.to })} />
          <label class="inline">
            Lines
            <select value={String(limit)} onChange={(e) => updateParams({ limit: (e.target as HTMLSelectElement).value === '100' ? undefined : (e.target as HTMLSelectElement).value })}>
              {LIMITS.map((l) => (
                <option key={l} value={String(l)}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary" data-testid="run-query" title="Run (Ctrl+Enter)">
            {loading ? 'Running…' : 'Run query'}
          </button>
          <button
            type="button"
            data-testid="live-toggle"
            aria-pressed={live}
            disabled={!live && analysis.kind !== 'log'}
            title="Follow new lines as they arrive"
            onClick={() => (live ? updateParams({ live: undefined }) : updateParams({ query: draft, live: '1' }))}
          >
            {live ? '■ Stop live' : '▶ Live'}
          </button>
        </div>
      </form>

      {error !== '' && (
        <p class="error" role="alert" data-testid="query-error">
          {error}
        </p>
      )}

      {live && canTail && <LiveTail query={analyze(committed).logExpr ?? committed} wrap={wrap} onStop={() => updateParams({ live: undefined })} />}

      {!live && committed.trim() === '' && (
        <div class="empty">
          <p>Type a LogQL query and press Ctrl+Enter, or pick labels in the <a href="/ui/labels" onClick={onLinkClick}>label browser</a>.</p>
          <p class="muted">Try <code>{'{job=~".+"}'}</code> for every stream, or <code>{'sum by (job) (rate({job=~".+"} [1m]))'}</code>.</p>
        </div>
      )}

      {!live && result?.kind === 'log' && !('error' in resolved) && (
        <>
          {result.histogram !== undefined && 'series' in result.histogram && (
            <Histogram
              series={result.histogram.series}
              startMs={resolved.startMs}
              endMs={resolved.endMs}
              stepMs={result.histogram.stepMs}
              theme={theme}
              onZoom={(from, to) => updateParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString() })}
            />
          )}
          {result.histogram !== undefined && 'error' in result.histogram && <p class="muted">Volume: {result.histogram.error}</p>}
          <div class="toolbar">
            <span class="muted" data-testid="result-summary">
              {result.entries.length.toLocaleString()} lines{result.hasMore ? ' (scroll for older)' : ''} · {Math.round(result.tookMs)} ms
            </span>
            <label class="inline">
              <input type="checkbox" checked={wrap} onChange={(e) => setWrap((e.target as HTMLInputElement).checked)} data-testid="wrap-toggle" /> Wrap lines
            </label>
          </div>
          {result.entries.length === 0 ? (
            <p class="empty">No lines in this range.</p>
          ) : (
            <LogList entries={result.entries} common={common} wrap={wrap} onMore={result.hasMore ? () => void loadMore() : undefined} loadingMore={loadingMore} onFilter={onFilter} />
          )}
        </>
      )}

      {!live && result?.kind === 'metric' && <MetricView data={result.data} theme={theme} />}
    </div>
  );
}
