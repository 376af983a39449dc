import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { labelsFromRecord, type Entry } from '../../core/model.js';
import { levelOfLine, logfmtValue, withDetectedLevels, withServiceName } from './discovery.js';

const fields = DEFAULT_LIMITS.logLevelFields;

describe('service_name discovery', () => {
  it('takes the first source label in Loki order, else unknown_service', () => {
    expect(withServiceName(labelsFromRecord({ job: 'batch', app: 'web' }), DEFAULT_LIMITS)).toEqual(labelsFromRecord({ job: 'batch', app: 'web', service_name: 'web' }));
    expect(withServiceName(labelsFromRecord({ job: 'batch' }), DEFAULT_LIMITS)).toEqual(labelsFromRecord({ job: 'batch', service_name: 'batch' }));
    expect(withServiceName(labelsFromRecord({ host: 'h' }), DEFAULT_LIMITS)).toEqual(labelsFromRecord({ host: 'h', service_name: 'unknown_service' }));
  });

  it('keeps a pushed service_name, internal streams, and is off with an empty list', () => {
    const own = labelsFromRecord({ service_name: 'x', app: 'y' });
    expect(withServiceName(own, DEFAULT_LIMITS)).toBe(own);
    const internal = labelsFromRecord({ __aggregated_metric__: 'a', app: 'y' });
    expect(withServiceName(internal, DEFAULT_LIMITS)).toBe(internal);
    const off = labelsFromRecord({ app: 'y' });
    expect(withServiceName(off, { ...DEFAULT_LIMITS, discoverServiceName: [] })).toBe(off);
  });
});

describe('detected_level discovery', () => {
  it.each([
    ['level=error msg="x"', 'error'],
    ['lvl=WRN msg=x', 'warn'],
    ['ts=1 severity=dbg', 'debug'],
    // Keys match hints case-insensitively, so `Level` is the first hint, `level`.
    ['ts=1 Level=info level=fatal', 'info'],
    ['{"level":"warning","msg":"x"}', 'warn'],
    ['{"log":{"level":"trace"}}', 'trace'],
    // Too deep for the JSON walk: the keyword decides.
    ['{"a":{"b":{"level":"error"}}}', 'error'],
    ['{"msg":"an ERROR happened"}', 'error'],
    ['GET /index.html 200', 'unknown'],
    ['Something went wrong: error 42', 'error'],
    ['INFO starting', 'info'],
    ['a=b critical thing', 'critical'],
    ['msg="a b" level="err"', 'error'],
    ['msg="say \\"level=info\\"" lvl=debug', 'debug'],
    ['level=notalevel but INFO in text', 'info'],
  ])('%s -> %s', (line, level) => {
    expect(levelOfLine(line, fields)).toBe(level);
  });

  it('prefers a level label, then metadata, then OTLP severity, then the line', () => {
    const entry = (line: string, metadata?: Record<string, string>): Entry => ({ ts: 1n, line, ...(metadata ? { metadata: labelsFromRecord(metadata) } : {}) });
    const level = (labels: Record<string, string>, e: Entry) => withDetectedLevels(labelsFromRecord(labels), [e], DEFAULT_LIMITS)[0]!.metadata;
    expect(level({ level: 'WARN' }, entry('level=error'))).toEqual(labelsFromRecord({ detected_level: 'WARN' }).slice());
    expect(level({}, entry('level=error', { severity: 'notice' }))).toEqual([...labelsFromRecord({ severity: 'notice' }), { name: 'detected_level', value: 'notice' }]);
    expect(level({}, entry('x', { severity_number: '17' }))).toContainEqual({ name: 'detected_level', value: 'error' });
    expect(level({}, entry('x', { severity_number: '0' }))).toContainEqual({ name: 'detected_level', value: 'unknown' });
    expect(level({}, entry('x', { severity_number: '23' }))).toContainEqual({ name: 'detected_level', value: 'fatal' });
    expect(level({}, entry('x', { detected_level: 'mine' }))).toEqual(labelsFromRecord({ detected_level: 'mine' }));
    const off = withDetectedLevels([], [entry('level=error')], { ...DEFAULT_LIMITS, discoverLogLevels: false });
    expect(off[0]!.metadata).toBeUndefined();
  });
});

describe('level keywords in plain lines', () => {
  /** Loki's rule as written: one search per spelling, in precedence order. */
  function reference(line: string): string {
    if (line.includes('info') || line.includes('INFO')) return 'info';
    if (line.includes('err') || line.includes('ERR')) return 'error';
    if (line.includes('warn') || line.includes('WARN')) return 'warn';
    if (line.includes('CRITICAL') || line.includes('critical')) return 'critical';
    if (line.includes('debug') || line.includes('DEBUG')) return 'debug';
    return 'unknown';
  }

  it('finds the keyword of highest precedence wherever it stands, in either case only', () => {
    const pieces = ['info', 'INFO', 'Info', 'inf', 'err', 'ERR', 'Err', 'er', 'warn', 'WARN', 'Warn', 'wa', 'critical', 'CRITICAL', 'Critical', 'crit', 'debug', 'DEBUG', 'Debug', 'deb', 'x', ' ', 'é', 'i', 'e', 'w', 'c', 'd', 'D', ':'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const seen = new Set<string>();
    for (let round = 0; round < 5000; round++) {
      let line = '';
      const length = next(8);
      for (let i = 0; i < length; i++) line += pieces[next(pieces.length)];
      const level = levelOfLine(line, []);
      expect(level, line).toBe(reference(line));
      seen.add(level);
    }
    expect([...seen].sort()).toEqual(['critical', 'debug', 'error', 'info', 'unknown', 'warn']);
    expect(levelOfLine('a warning then an error', [])).toBe('error');
    expect(levelOfLine('DEBUG then Info then CRITICAL', [])).toBe('critical');
  });

  it.each([
    // The leftmost keyword is not always the answer: a higher one may follow, even overlapping it.
    ['warn then info', 'info'],
    ['werrinfo', 'info'],
    ['warnerr', 'error'],
    ['WARNERR', 'error'],
    ['criticalwarn', 'warn'],
    ['debugCRITICAL', 'critical'],
    ['DEBUGdebuginfo', 'info'],
    ['errinfo', 'info'],
    ['inferr', 'error'],
    ['INFerrINFO', 'info'],
    ['ERRor wARN', 'error'],
    ['Warn Err Info Debug Critical', 'unknown'],
    ['debug', 'debug'],
    ['', 'unknown'],
    ['é critical ü', 'critical'],
  ])('%s -> %s (and as the one-search-per-spelling rule says)', (line, level) => {
    expect(levelOfLine(line, [])).toBe(level);
    expect(reference(line)).toBe(level);
  });

  it('gives every loghub line the level the one-search-per-spelling rule gives', () => {
    const dir = new URL('../../../shared/data/loghub/', import.meta.url);
    const seen = new Map<string, number>();
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.log'))) {
      for (const line of readFileSync(new URL(file, dir), 'utf8').split('\n')) {
        if (line.includes('=') || line.trimStart().startsWith('{')) continue;
        const level = levelOfLine(line, []);
        expect(level, line).toBe(reference(line));
        seen.set(level, (seen.get(level) ?? 0) + 1);
      }
    }
    expect([...seen.keys()].sort()).toEqual(['critical', 'debug', 'error', 'info', 'unknown', 'warn']);
  });
});

describe('detected_level of lines without metadata', () => {
  // Every rule: JSON keys (nested, too deep, not a string, no hint), logfmt keys (each alias,
  // quoted, escaped, case of the key, unknown value), keywords, and none.
  const lines = [
    '{"level":"warning","msg":"x"}',
    '{"log":{"severity":"trace"}}',
    '{"a":{"b":{"level":"error"}}}',
    '{"level":3,"msg":"DEBUG"}',
    '{"msg":"no level"}',
    '  {"LEVEL":"info"}  ',
    '{not json but braces}',
    'level=error msg="x"',
    'lvl=WRN msg=x',
    'ts=1 severity=dbg',
    'ts=1 Level=info level=fatal',
    'msg="a b" level="err"',
    'msg="say \\"level=info\\"" lvl=debug',
    'level=notalevel but INFO in text',
    'level=CRITICAL',
    'level=inf',
    'level=trc',
    'loglevel=warn',
    'a=b nothing here',
    'a=b critical thing',
    'GET /index.html 200',
    'INFO starting',
    'Something went wrong: error 42',
    'DEBUG then Info then CRITICAL',
  ];
  const general = (line: string, labels: Record<string, string> = {}) =>
    withDetectedLevels(labelsFromRecord(labels), [{ ts: 1n, line, metadata: labelsFromRecord({ other: 'x' }) }], DEFAULT_LIMITS)[0]!.metadata!.slice(1);
  const fast = (line: string, labels: Record<string, string> = {}) => withDetectedLevels(labelsFromRecord(labels), [{ ts: 1n, line }], DEFAULT_LIMITS)[0]!.metadata;

  it.each(lines)('%s: the same level as a line with other metadata gets', (line) => {
    const expected = general(line);
    expect(expected).toEqual([{ name: 'detected_level', value: levelOfLine(line, fields) }]);
    expect(fast(line)).toEqual(expected);
    expect(fast(line, { level: 'Notice' })).toEqual(general(line, { level: 'Notice' }));
  });

  it('shares one frozen metadata array per level, which cannot be changed', () => {
    const entries = withDetectedLevels([], [{ ts: 1n, line: 'INFO a' }, { ts: 2n, line: 'INFO b' }, { ts: 3n, line: 'x' }], DEFAULT_LIMITS);
    expect(entries[0]!.metadata).toBe(entries[1]!.metadata);
    expect(entries[2]!.metadata).toEqual([{ name: 'detected_level', value: 'unknown' }]);
    expect(Object.isFrozen(entries[0]!.metadata) && Object.isFrozen(entries[0]!.metadata![0])).toBe(true);
    expect(entries.map((entry) => entry.ts)).toEqual([1n, 2n, 3n]);
  });
});

describe('logfmt lines that name no level key', () => {
  /** levelOfLine's logfmt branch as Loki has it: the hint's value, else the keywords. */
  function reference(line: string, hints: readonly string[]): string {
    const value = (logfmtValue(line, hints) ?? '').toLowerCase();
    const canonical: Record<string, string> = { trace: 'trace', trc: 'trace', debug: 'debug', dbg: 'debug', info: 'info', inf: 'info', warn: 'warn', wrn: 'warn', warning: 'warn', error: 'error', err: 'error', critical: 'critical', fatal: 'fatal' };
    if (canonical[value] !== undefined) return canonical[value]!;
    return levelOfLine(line.replaceAll('=', ' '), []);
  }

  it('gives every line the level a full scan of its keys gives, whatever the hints', () => {
    const pieces = ['level', 'LEVEL', 'LeVeL', 'lvl', 'severity', 'Log.Level', 'log_level', 'kind', '\u212aind', 'KIND', 'x', '=', '=', ' ', '"', '\\', 'info', 'ERROR', 'dbg', 'warning', 'é', 'İ'];
    const hintLists = [fields, ['kind'], ['LEVEL', 'a+b'], ['x'], [], ['le\u0130vel', 'lvl']];
    let seed = 99;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const found = new Set<string>();
    for (let round = 0; round < 6000; round++) {
      const hints = hintLists[round % hintLists.length]!;
      let line = 'a=b';
      const length = next(9);
      for (let i = 0; i < length; i++) line += pieces[next(pieces.length)];
      const level = levelOfLine(line, hints);
      expect(level, `${line} with ${hints.join(',')}`).toBe(reference(line, hints));
      found.add(level);
    }
    expect([...found].sort()).toEqual(['error', 'info', 'unknown', 'warn']);
    // The Kelvin sign lower-cases to k: a key spelled with it is the hint `kind`.
    expect(levelOfLine('\u212aind=error x', ['kind'])).toBe('error');
    expect(levelOfLine('Log.Level=debug', fields)).toBe('debug');
    expect(levelOfLine('logXlevel=debug INFO', fields)).toBe('info');
  });
});
