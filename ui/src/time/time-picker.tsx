// The range picker: quick relative ranges, or any `now-...` / absolute from and to.

import { useEffect, useRef, useState } from 'preact/hooks';
import { describeRange, fromLocalInput, QUICK_RANGES, resolveTime, toLocalInput, type TimeRange } from './range';

export function TimePicker({ range, onChange }: { range: TimeRange; onChange(range: TimeRange): void }) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [error, setError] = useState('');
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    setFrom(range.from);
    setTo(range.to);
  }, [range.from, range.to, open]);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);
  const apply = (event: Event) => {
    event.preventDefault();
    const now = Date.now();
    const start = resolveTime(from, now);
    const end = resolveTime(to, now);
    if (start === undefined || end === undefined) return setError('Use now, now-15m, now-2d or a date like 2024-01-02T15:04:05Z.');
    if (start >= end) return setError('The start must be before the end.');
    setError('');
    setOpen(false);
    onChange({ from: from.trim(), to: to.trim() });
  };
  const absolute = (text: string, set: (value: string) => void) => (event: Event) => {
    const ms = fromLocalInput((event.target as HTMLInputElement).value);
    if (ms !== undefined) set(new Date(ms).toISOString());
    void text;
  };
  const now = Date.now();
  return (
    <div class="time-picker" ref={root}>
      <button type="button" aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="time-picker">
        {describeRange(range)} ▾
      </button>
      {open && (
        <div class="popover" role="dialog" aria-label="Time range">
          <form class="range-form" onSubmit={apply}>
            <label>
              From
              <input value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} data-testid="range-from" />
            </label>
            <input type="datetime-local" step="1" aria-label="From, as a date" value={toLocalInput(resolveTime(from, now) ?? now)} onChange={absolute(from, setFrom)} />
            <label>
              To
              <input value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} data-testid="range-to" />
            </label>
            <input type="datetime-local" step="1" aria-label="To, as a date" value={toLocalInput(resolveTime(to, now) ?? now)} onChange={absolute(to, setTo)} />
            {error !== '' && <p class="error">{error}</p>}
            <button type="submit" class="primary">
              Apply
            </button>
          </form>
          <ul class="quick-ranges">
            {QUICK_RANGES.map((q) => (
              <li key={q.from}>
                <button
                  type="button"
                  aria-current={range.from === q.from && range.to === 'now'}
                  onClick={() => {
                    setOpen(false);
                    onChange({ from: q.from, to: 'now' });
                  }}
                >
                  {q.label}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
