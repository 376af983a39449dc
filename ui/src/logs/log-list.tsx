// The lines, newest first: time, a compact column of the labels that differ between lines, and
// the line. Labels every line shares are shown once above. A click expands a line into its
// labels, structured metadata and parsed fields, each with "filter for" and "filter out".

import { useEffect, useRef, useState } from 'preact/hooks';
import type { Labels } from '../api/types';
import type { LabelSource } from '../query/edit';
import { formatTimestamp } from '../time/range';
import type { LogEntry } from './entries';
import { LEVEL_COLOR } from './levels';

export interface LogListProps {
  entries: readonly LogEntry[];
  common: Labels;
  wrap: boolean;
  /** Present when older lines may exist; called when the end of the list comes into view. */
  onMore?: () => void;
  loadingMore?: boolean;
  onFilter?: (source: LabelSource, name: string, value: string, include: boolean) => void;
  testId?: string;
}

function compactLabels(stream: Labels, common: Labels): string {
  return Object.keys(stream)
    .filter((name) => !(name in common))
    .sort()
    .map((name) => `${name}=${stream[name]}`)
    .join(' ');
}

function LabelTable({ title, labels, source, onFilter }: { title: string; labels: Labels; source: LabelSource; onFilter: LogListProps['onFilter'] }) {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return null;
  return (
    <div class="detail-group">
      <h4>{title}</h4>
      <table class="detail-table">
        <tbody>
          {names.map((name) => (
            <tr key={name} data-label={name} data-source={source}>
              <td class="detail-actions">
                {onFilter !== undefined && (
                  <>
                    <button type="button" class="icon-button" title={`Filter for ${name}="${labels[name]}"`} aria-label={`Filter for ${name}`} data-action="filter-for" onClick={() => onFilter(source, name, labels[name]!, true)}>
                      ⊕
                    </button>
                    <button type="button" class="icon-button" title={`Filter out ${name}="${labels[name]}"`} aria-label={`Filter out ${name}`} data-action="filter-out" onClick={() => onFilter(source, name, labels[name]!, false)}>
                      ⊖
                    </button>
                  </>
                )}
              </td>
              <th scope="row">{name}</th>
              <td class="detail-value">{labels[name]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LogRow({ entry, common, onFilter }: { entry: LogEntry; common: Labels; onFilter: LogListProps['onFilter'] }) {
  const [open, setOpen] = useState(false);
  const compact = compactLabels(entry.stream, common);
  return (
    <li class={`log-row${open ? ' open' : ''}`} data-testid="log-row" data-level={entry.level}>
      <button type="button" class="log-summary" aria-expanded={open} onClick={() => setOpen(!open)}>
        <i class="level-mark" style={{ background: LEVEL_COLOR[entry.level] }} title={entry.level} />
        <time class="log-time" dateTime={new Date(entry.ms).toISOString()}>{formatTimestamp(entry.ms)}</time>
        {compact !== '' && <span class="log-labels" title={compact}>{compact}</span>}
        <span class="log-line">{entry.line}</span>
      </button>
      {open && (
        <div class="log-details" data-testid="log-details">
          <LabelTable title="Labels" labels={entry.stream} source="stream" onFilter={onFilter} />
          <LabelTable title="Structured metadata" labels={entry.metadata} source="metadata" onFilter={onFilter} />
          <LabelTable title="Parsed fields" labels={entry.parsed} source="parsed" onFilter={onFilter} />
          <p class="muted small">
            {entry.ns.toString()} ns · {entry.line.length.toLocaleString()} characters
          </p>
        </div>
      )}
    </li>
  );
}

export function LogList({ entries, common, wrap, onMore, loadingMore, onFilter, testId }: LogListProps) {
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef(onMore);
  more.current = onMore;
  useEffect(() => {
    const element = sentinel.current;
    if (element === null) return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((s) => s.isIntersecting)) more.current?.();
    }, { rootMargin: '400px' });
    observer.observe(element);
    return () => observer.disconnect();
  }, [entries.length > 0]);
  const commonNames = Object.keys(common).sort();
  return (
    <div class={`log-list${wrap ? ' wrap' : ''}`} data-testid={testId ?? 'log-list'}>
      {commonNames.length > 0 && (
        <p class="common-labels" data-testid="common-labels">
          <span class="muted">Common labels:</span>{' '}
          {commonNames.map((name) => (
            <code class="chip" key={name}>
              {name}={common[name]}
            </code>
          ))}
        </p>
      )}
      <ol class="log-rows">
        {entries.map((entry) => (
          <LogRow key={entry.key} entry={entry} common={common} onFilter={onFilter} />
        ))}
      </ol>
      <div ref={sentinel} class="list-end muted" data-testid="list-end">
        {loadingMore ? 'Loading older lines…' : onMore === undefined && entries.length > 0 ? 'No older lines in this range.' : ''}
      </div>
    </div>
  );
}
