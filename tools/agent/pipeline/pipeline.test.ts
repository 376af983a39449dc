import { describe, expect, it } from 'vitest';
import type { PipelineEntry } from './entry.js';
import { parseTimestamp } from './go-time.js';
import { buildStages, Pipeline } from './pipeline.js';

function run(stages: unknown[], lines: string[], nowMs = 0): { out: PipelineEntry[]; dropped: number[][]; pipeline: Pipeline } {
  const out: PipelineEntry[] = [];
  const dropped: number[][] = [];
  const clock = { nowMs: () => nowMs, nowNs: () => 1_000_000_000_000n };
  const pipeline = new Pipeline(buildStages(stages, 'stages', (ids) => dropped.push([...ids]), clock), (entry) => out.push(entry));
  lines.forEach((line, i) => pipeline.push({ labels: { job: 'x' }, extracted: { job: 'x' }, tsNs: 5n, line, ids: [i] }));
  return { out, dropped, pipeline };
}

describe('pipeline stages', () => {
  it('extracts with regex, json and logfmt, and turns values into labels', () => {
    const { out } = run(
      [
        { regex: { expression: '^(?P<level>\\w+) (?P<rest>.*)$' } },
        { json: { expressions: { user: 'req.user', first: 'items[0]' }, source: 'rest' } },
        { labels: { level: '', user: '' } },
        { static_labels: { team: 'core' } },
        { output: { source: 'first' } },
      ],
      ['warn {"req":{"user":"ann"},"items":[7,8]}'],
    );
    expect(out[0]).toMatchObject({ labels: { job: 'x', level: 'warn', user: 'ann', team: 'core' }, line: '7' });
    const logfmt = run([{ logfmt: { mapping: { lvl: 'level', took: '' } } }, { labels: { lvl: '' } }], ['level=info took=5ms level=debug']);
    expect(logfmt.out[0]!.extracted).toMatchObject({ lvl: 'info', took: '5ms' });
    expect(logfmt.out[0]!.labels['lvl']).toBe('info');
  });

  it('sets the time from a value in Go layouts, and fudges lines whose time does not parse', () => {
    const { out } = run(
      [{ regex: { expression: '^(?P<ts>\\S+ \\S+) ' } }, { timestamp: { source: 'ts', format: '2006-01-02 15:04:05.000', location: 'Europe/Paris' } }],
      ['2024-07-01 12:00:00.250 up', 'garbage line'],
    );
    expect(out[0]!.tsNs).toBe(BigInt(Date.UTC(2024, 6, 1, 10, 0, 0, 250)) * 1_000_000n);
    // Before the last good time plus one? The read time (5 ns) is earlier, so it stays put.
    expect(out[1]!.tsNs).toBe(5n);
    expect(parseTimestamp('RFC3339Nano', '2024-01-02T03:04:05.123456789+01:00')).toBe(BigInt(Date.UTC(2024, 0, 2, 2, 4, 5)) * 1_000_000n + 123_456_789n);
    expect(parseTimestamp('Unix', '1700000000.5')).toBe(1_700_000_000_500_000_000n);
    expect(parseTimestamp('UnixMs', '1700000000123')).toBe(1_700_000_000_123_000_000n);
    expect(parseTimestamp('Jan _2 15:04:05', 'Mar  9 08:07:06', undefined, 2023)).toBe(BigInt(Date.UTC(2023, 2, 9, 8, 7, 6)) * 1_000_000n);
    expect(parseTimestamp('RFC3339', 'not a time')).toBeUndefined();
  });

  it('drops matching lines and reports their ids, so their position can advance', () => {
    const { out, dropped } = run([{ drop: { expression: '^DEBUG', drop_counter_reason: 'noise' } }, { drop: { longer_than: '10B' } }], ['DEBUG x', 'keep', 'a line longer than ten bytes']);
    expect(out.map((e) => e.line)).toEqual(['keep']);
    expect(dropped).toEqual([[0], [2]]);
  });

  it('joins multiline blocks, keeping every line id, and releases a block after max_wait_time', () => {
    let now = 0;
    const out: PipelineEntry[] = [];
    const pipeline = new Pipeline(buildStages([{ multiline: { firstline: '^\\d{4}-', max_wait_time: '1s' } }], 's', () => undefined, { nowMs: () => now, nowNs: () => 0n }), (e) => out.push(e));
    ['2024-01-01 boom', '  at a()', '  at b()', '2024-01-01 next'].forEach((line, i) => pipeline.push({ labels: {}, extracted: {}, tsNs: BigInt(i), line, ids: [i] }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ line: '2024-01-01 boom\n  at a()\n  at b()', ids: [0, 1, 2], tsNs: 0n });
    now = 500;
    pipeline.flush(now);
    expect(out).toHaveLength(1);
    now = 1500;
    pipeline.flush(now);
    expect(out[1]).toMatchObject({ line: '2024-01-01 next', ids: [3] });
  });

  it('refuses unknown stages and bad settings with the stage named', () => {
    expect(() => run([{ regexp: {} }], [])).toThrow(/stages\[0\]: unknown stage "regexp"/);
    expect(() => run([{ regex: { expression: '(' } }], [])).toThrow(/stages\[0\]\.regex\.expression/);
    expect(() => run([{ labels: { 'bad-name': '' } }], [])).toThrow(/not a valid label name/);
    expect(() => run([{ timestamp: { source: 't', format: 'RFC3339', location: 'Mars/Base' } }], [])).toThrow(/unknown time zone/);
  });
});
