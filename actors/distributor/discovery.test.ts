import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { labelsFromRecord, type Entry } from '../../core/model.js';
import { levelOfLine, withDetectedLevels, withServiceName } from './discovery.js';

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
});
