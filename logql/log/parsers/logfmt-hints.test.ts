// A metric query grouped `by` some labels lets a last `| logfmt` set only those: the grouped
// series and counts are exactly what grouping the fully parsed lines gives, for clean keys,
// keys that sanitize to a wanted name, repeated keys, quoted values with spaces and escapes,
// bare keys, empty values, malformed pairs, and a parsed key that collides with a stream label.

import { describe, expect, it } from 'vitest';
import { labelsFromRecord, labelsToString, type Entry } from '../../../core/model.js';
import { selectSamplesFromStreams, type StreamInput } from '../../engine/select.js';
import { compileSampleExpr } from '../../plan.js';
import { emptyStats } from '../../types.js';
import { keyFilter, keyNeedles } from './logfmt.js';
import { sanitizeLabelName } from './sanitize.js';

const LINES = [
  'level=info msg="user logged in" user=alice',
  'level=error msg="failed \\"quoted\\" thing" status=500 le.vel=odd',
  'msg=x level=warn level=error',
  'le.vel=dotted-only status=404',
  'level= status=200 app=parsed',
  'bare level',
  '"broken level=ignored',
  'level="with space" status="5 0 0"',
  'ünï=côdé level=débug',
  '=oops level=info 9lives=yes',
  'status=200',
  '',
  '{"level":"info","status":200,"msg":"json, no logfmt level"}',
  'msg="level=hidden in a quoted value" xlevel=no',
  'a="q"level=glued',
  'level',
  'level=',
  'level="" status=',
  'n.=dot n_=under',
];

function streams(): StreamInput[] {
  return [
    { labels: labelsFromRecord({ app: 'a' }), entries: LINES.map((line, i): Entry => ({ ts: BigInt(i + 1), line })) },
    { labels: labelsFromRecord({ app: 'b', level: 'stream' }), entries: LINES.map((line, i): Entry => ({ ts: BigInt(i + 1), line })) },
  ];
}

/** Samples of a grouped query, as `labels -> count`. */
function grouped(query: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const series of selectSamplesFromStreams(streams(), compileSampleExpr(query), { start: 0n, end: 100n }, emptyStats())) {
    out[labelsToString(series.labels)] = (out[labelsToString(series.labels)] ?? 0) + series.samples.length;
  }
  return out;
}

/** The same grouping done by hand over every parsed label. */
function groupedByHand(by: readonly string[], flags = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const series of selectSamplesFromStreams(streams(), compileSampleExpr(`count_over_time({app=~".+"} | logfmt${flags} [1m])`), { start: 0n, end: 100n }, emptyStats())) {
    const kept = series.labels.filter((label) => by.includes(label.name));
    const key = labelsToString(kept);
    out[key] = (out[key] ?? 0) + series.samples.length;
  }
  return out;
}

describe('logfmt with only the labels a grouped metric query needs', () => {
  for (const flags of ['', ' --keep-empty']) {
    for (const by of [['level'], ['le_vel', 'status'], ['level_extracted', 'app'], ['_9lives', 'n_'], ['n_'], ['status', 'x'], []]) {
      it(`groups by (${by.join(', ')}) exactly as the full parse does${flags}`, () => {
        const query = `sum by (${by.join(', ')}) (count_over_time({app=~".+"} | logfmt${flags} [1m]))`;
        const want = groupedByHand(by, flags);
        expect(Object.keys(want).length).toBeGreaterThan(0);
        expect(grouped(query)).toEqual(want);
      });
    }
  }

  it('passes over a line only when it can hold no wanted pair', () => {
    expect(keyNeedles(['level'], false)).toEqual(['level=']);
    expect(keyNeedles(['le_vel', 'status'], false)).toEqual(['vel=', 'status=']);
    expect(keyNeedles(['level_extracted'], false)).toEqual(['extracted=', 'level=']);
    expect(keyNeedles(['level'], true)).toEqual(['level']);
    expect(keyNeedles(['n_'], false)).toEqual(['=']);
    expect(keyNeedles(['n_'], true)).toBeUndefined();
    expect(grouped('sum by (level) (count_over_time({app=~".+"} | logfmt [1m]))')).toEqual({
      '{}': 11,
      '{level="débug"}': 1,
      '{level="error"}': 1,
      '{level="glued"}': 1,
      '{level="ignored"}': 1,
      '{level="info"}': 2,
      '{level="warn"}': 1,
      '{level="with space"}': 1,
      '{level="stream"}': 19,
    });
  });

  it('wants a key exactly when it sanitizes to a wanted name', () => {
    const keys = ['level', 'le.vel', 'le-vel', '9lives', '_9lives', 'über', 'x😀y', 'a b', 'LEVEL', 'level_', '1', '_', 'n.', 'n_'];
    const names = ['level', 'le_vel', '_9lives', '__ber', 'x__y', 'a_b', 'LEVEL', '_1', 'n_', '_'];
    for (const key of keys) {
      for (const name of names) {
        expect(keyFilter([name])(key, 0, key.length), `${key} -> ${name}`).toBe(sanitizeLabelName(key) === name);
        expect(keyFilter([name])(`x=${key}=y`, 2, 2 + key.length), `${key} inside a line -> ${name}`).toBe(sanitizeLabelName(key) === name);
      }
    }
  });

  it('passes over keys it does not want without reading them', () => {
    const want = keyFilter(['level', 'le_vel']);
    const line = 'level=1 levels=2 le.vel=3 lev=4 le_vel=5 Level=6';
    const spans: Array<[number, number]> = [];
    for (const match of line.matchAll(/(\S+?)=/g)) spans.push([match.index!, match.index! + match[1]!.length]);
    expect(spans.map(([start, end]) => want(line, start, end))).toEqual([true, false, true, false, true, false]);
  });
});
