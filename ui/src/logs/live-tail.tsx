// Live tail of a log query: new lines arrive at the top; "Pause" holds them back (counted) until
// "Resume", so a line can be read while the stream runs on.

import { useEffect, useRef, useState } from 'preact/hooks';
import { startTail } from '../api/tail';
import type { Labels } from '../api/types';
import { commonLabels, flattenStreams, type LogEntry } from './entries';
import { LogList } from './log-list';

const KEEP = 1000;

export function LiveTail({ query, wrap, onStop }: { query: string; wrap: boolean; onStop(): void }) {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState<LogEntry[]>([]);
  const [status, setStatus] = useState<{ state: string; detail?: string }>({ state: 'connecting' });
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    setEntries([]);
    setHeld([]);
    const startNs = BigInt(Date.now() - 60 * 60 * 1000) * 1_000_000n;
    const handle = startTail(query, startNs, {
      onStreams(streams) {
        const fresh = flattenStreams(streams);
        if (pausedRef.current) setHeld((h) => [...fresh, ...h].slice(0, KEEP));
        else setEntries((e) => [...fresh, ...e].slice(0, KEEP));
      },
      onStatus(state, detail) {
        setStatus(detail === undefined ? { state } : { state, detail });
      },
    });
    return () => handle.close();
  }, [query]);

  const resume = () => {
    setEntries((e) => [...held, ...e].slice(0, KEEP));
    setHeld([]);
    setPaused(false);
  };
  const common: Labels = entries.length > 1 ? commonLabels(entries) : {};
  return (
    <section class="live-tail" aria-label="Live tail" data-testid="live-tail">
      <div class="toolbar">
        <span class={`pill ${status.state === 'live' ? 'ok' : status.state === 'closed' ? 'bad' : 'warn'}`} data-testid="tail-status">
          {status.state === 'live' ? (paused ? 'Paused' : 'Live') : status.state === 'connecting' ? 'Connecting…' : 'Stopped'}
        </span>
        {paused ? (
          <button type="button" onClick={resume} data-testid="tail-resume">
            Resume{held.length > 0 ? ` (${held.length} new)` : ''}
          </button>
        ) : (
          <button type="button" onClick={() => setPaused(true)} data-testid="tail-pause">
            Pause
          </button>
        )}
        <button type="button" onClick={onStop} data-testid="tail-stop">
          Stop
        </button>
        <span class="muted">{entries.length.toLocaleString()} lines</span>
      </div>
      {status.detail !== undefined && status.state === 'closed' && <p class="error">{status.detail}</p>}
      <LogList entries={entries} common={common} wrap={wrap} testId="tail-list" />
    </section>
  );
}
