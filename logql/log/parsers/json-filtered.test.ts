// `| json | <label filter>` runs as one stage that tries the filter on a lookup of the few
// names it reads before flattening the line (json-filtered.ts, json-lookup.ts). Every line and
// query here must give exactly what the two stages give run one after the other: the same
// decision, labels, categories and errors.

import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../../core/model.js';
import { parseLogSelector } from '../../syntax/parser.js';
import { compileStage, compileStages, StreamRunner } from '../pipeline.js';
import { JsonLookup } from './json-lookup.js';
import { JsonScanner } from './json-scanner.js';
import { sanitizeLabelName } from './sanitize.js';

const LINES = [
  '{"level":"info","status":200,"msg":"ok"}',
  '{"level":"error","status":503,"msg":"down"}',
  '{"status":"503"}',
  '{"status":503.0}',
  '{"status":5e2}',
  '{"status":-0}',
  '{"status":1.50}',
  '{"status":"1_000"}',
  '{"status":"abc"}',
  '{"status":""}',
  '{"status":null,"status":504}',
  '{"status":500,"status":200}',
  '{"st.atus":501,"status":200}',
  '{"stat\\u0075s":502,"status":1}',
  '{"status":"5\\u00300"}',
  '{"msg":"a \\"quoted\\" status=500","status":200}',
  '{"status":[500],"x":1}',
  '{"status":{"code":503},"status_code":200}',
  '{"status_code":503,"status":{"code":200}}',
  '{"a":{"b":{"c":"deep"}},"a_b_c":"flat","status":500}',
  '{"":{"status":500},"status":100}',
  '{"status":503 "broken"}',
  '{"status":503,"rest":oops}',
  '{"oops":,"status":503}',
  '{"status":503',
  '{"status',
  '  {"status":503}  trailing',
  '["status",503]',
  'level=error status=503',
  '',
  '{}',
  '{"ünï":"côdé","status":"500","ключ":"значение"}',
  '{"x😀y":1,"x__y":2,"status":500}',
  '{"9lives":"cat","status":999}',
  '{"level":"warn","status":true}',
  '{"detected_level":"debug","status":500}',
  '{"app":"parsed","status":"500","app_extracted":"raw"}',
  '{"ip":"192.168.1.7","status":"5xx","dur":"250ms","size":"2KB"}',
  '{"ip":"10.0.0.1","dur":"1h","size":"2MB","status":404}',
];

const FILTERS = [
  'status >= 500',
  'status > 100 and level="error"',
  'status == 500 or status_code == 503',
  'status != 200',
  'status = "500"',
  'status =~ "5.."',
  'status !~ "2.."',
  'level = ""',
  'a_b_c = "deep"',
  'a_b_c != ""',
  'status_code >= 500',
  '_9lives = "cat"',
  'x__y >= 1',
  'app_extracted = "parsed"',
  'app = "x"',
  'detected_level = "debug"',
  'detected_level_extracted = "debug"',
  'ip = ip("192.168.0.0/16")',
  'dur > 1s',
  'size > 1KB',
  '__error__ = ""',
  '__error__ != "" or status >= 500',
  'status >= 500 | level = "info"',
];

const STREAMS: Record<string, string>[] = [{ app: 'x' }, { app: 'x', status: '500' }, { app: 'x', level: 'stream' }];
const METADATA: (Record<string, string> | undefined)[] = [undefined, { detected_level: 'info' }, { status: '599' }, { app: 'meta' }];

function runners(query: string, stream: Labels): { fast: StreamRunner; plain: StreamRunner; merged: boolean } {
  const stages = parseLogSelector(query).stages;
  const compiled = compileStages(stages);
  return { fast: new StreamRunner(stream, compiled), plain: new StreamRunner(stream, stages.map(compileStage)), merged: compiled.length < stages.length };
}

function outcome(runner: StreamRunner, line: string, metadata: Labels | undefined): unknown {
  const out = runner.run(1n, line, metadata);
  return out === null ? null : { line: out, labels: runner.builder.result(), categories: runner.builder.categories() };
}

describe('| json | <label filter> as one stage', () => {
  for (const filter of FILTERS) {
    it(`gives what the two stages give for | json | ${filter}`, () => {
      let kept = 0;
      for (const streamRecord of STREAMS) {
        const stream = labelsFromRecord(streamRecord);
        const { fast, plain, merged } = runners(`{app="x"} | json | ${filter}`, stream);
        expect(merged).toBe(true);
        for (const record of METADATA) {
          const metadata = record === undefined ? undefined : labelsFromRecord(record);
          for (const line of LINES) {
            const want = outcome(plain, line, metadata);
            expect(outcome(fast, line, metadata), `${JSON.stringify(streamRecord)} ${JSON.stringify(record)} ${line}`).toEqual(want);
            if (want !== null) kept++;
          }
        }
      }
      expect(kept).toBeGreaterThan(0);
    });
  }

  it('drops and keeps the lines it should for | json | status >= 500', () => {
    const { fast } = runners('{app="x"} | json | status >= 500', labelsFromRecord({ app: 'x' }));
    const kept = LINES.filter((line) => fast.run(1n, line, undefined) !== null);
    expect(kept).toEqual([
      '{"level":"error","status":503,"msg":"down"}',
      '{"status":"503"}',
      '{"status":503.0}',
      '{"status":5e2}',
      '{"status":"1_000"}',
      '{"status":"abc"}',
      '{"status":""}',
      '{"status":null,"status":504}',
      '{"status":500,"status":200}',
      '{"stat\\u0075s":502,"status":1}',
      '{"status":"5\\u00300"}',
      '{"status":503 "broken"}',
      '{"status":503,"rest":oops}',
      '{"status":503',
      '  {"status":503}  trailing',
      '{"ünï":"côdé","status":"500","ключ":"значение"}',
      '{"x😀y":1,"x__y":2,"status":500}',
      '{"9lives":"cat","status":999}',
      '{"level":"warn","status":true}',
      '{"detected_level":"debug","status":500}',
      '{"app":"parsed","status":"500","app_extracted":"raw"}',
      '{"ip":"192.168.1.7","status":"5xx","dur":"250ms","size":"2KB"}',
      '{"a":{"b":{"c":"deep"}},"a_b_c":"flat","status":500}',
    ].sort((a, b) => LINES.indexOf(a) - LINES.indexOf(b)));
  });

  it('is used only where nothing before the parser sets a label', () => {
    expect(runners('{app="x"} |= "a" | json | status >= 500', labelsFromRecord({ app: 'x' })).merged).toBe(true);
    expect(runners('{app="x"} | logfmt | json | status >= 500', labelsFromRecord({ app: 'x' })).merged).toBe(false);
    expect(runners('{app="x"} | json a="b" | a >= 500', labelsFromRecord({ app: 'x' })).merged).toBe(false);
    expect(runners('{app="x"} | json | line_format "{{.a}}"', labelsFromRecord({ app: 'x' })).merged).toBe(false);
  });
});

describe('JsonLookup', () => {
  it('finds the first value the flattening emits under each name', () => {
    for (const line of LINES) {
      const emitted = new Map<string, string>();
      new JsonScanner(line).flatten((path, value) => {
        const name = path.map(sanitizeLabelName).join('_');
        if (name !== '' && !emitted.has(name)) emitted.set(name, value);
      });
      const names = [...new Set([...emitted.keys(), 'status', 'a_b', 'a', 'missing', 'status_code', '_status'])];
      for (const name of names) {
        const values: (string | undefined)[] = [];
        new JsonLookup(line).lookup([name], values);
        expect(values[0], `${name} in ${line}`).toBe(emitted.get(name));
      }
      const all: (string | undefined)[] = [];
      new JsonLookup(line).lookup([...names, undefined], all);
      expect(all, line).toEqual([...names.map((name) => emitted.get(name)), undefined]);
    }
  });
});
