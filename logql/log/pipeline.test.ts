import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../core/model.js';
import { compileLogSelector } from '../plan.js';

type Rec = Record<string, string>;

interface Case {
  /** Pipeline after `{app="x"}`. */
  readonly pipeline: string;
  readonly line: string;
  readonly stream?: Rec;
  readonly metadata?: Rec;
  /** null: the line is filtered out. */
  readonly out: { line?: string; labels: Rec } | null;
}

const APP = { app: 'x' };

function run(c: Case): { line: string; labels: Labels } | null {
  const plan = compileLogSelector(`{app="x"} ${c.pipeline}`);
  const stream = labelsFromRecord({ ...APP, ...(c.stream ?? {}) });
  const metadata = c.metadata === undefined ? undefined : labelsFromRecord(c.metadata);
  return plan.pipeline.forStream(stream).process(1_700_000_000_000_000_000n, c.line, metadata);
}

function check(c: Case): void {
  const got = run(c);
  if (c.out === null) {
    expect(got).toBeNull();
    return;
  }
  expect(got).not.toBeNull();
  expect(got!.line).toBe(c.out.line ?? c.line);
  expect(got!.labels).toEqual(labelsFromRecord(c.out.labels));
}

const lineFilters: Array<[string, Case]> = [
  ['|= keeps a line containing the text', { pipeline: '|= "err"', line: 'an error', out: { labels: APP } }],
  ['|= drops a line without it', { pipeline: '|= "err"', line: 'all good', out: null }],
  ['|= is case-sensitive', { pipeline: '|= "ERR"', line: 'an error', out: null }],
  ['|= "" keeps everything', { pipeline: '|= ""', line: 'x', out: { labels: APP } }],
  ['!= drops a line containing the text', { pipeline: '!= "debug"', line: 'debug: x', out: null }],
  ['|~ matches a regex anywhere', { pipeline: '|~ "err(or)?\\\\s+\\\\d+"', line: 'got error 42', out: { labels: APP } }],
  ['|~ (?i) is case-insensitive', { pipeline: '|~ "(?i)error"', line: 'ERROR!', out: { labels: APP } }],
  ['!~ drops regex matches', { pipeline: '!~ "^GET"', line: 'GET /', out: null }],
  ['|> pattern matches the whole line', { pipeline: '|> "<_> level=error <_>"', line: 'ts=1 level=error msg=x', out: { labels: APP } }],
  ['|> pattern must match at the start', { pipeline: '|> "level=error <_>"', line: 'ts=1 level=error msg=x', out: null }],
  ['!> drops pattern matches', { pipeline: '!> "<_> 500 <_>"', line: 'GET / 500 12ms', out: null }],
  ['or: any alternative keeps', { pipeline: '|= "foo" or "bar"', line: 'a bar', out: { labels: APP } }],
  ['or: none drops', { pipeline: '|= "foo" or "bar"', line: 'baz', out: null }],
  ['!= with or drops either', { pipeline: '!= "foo" or "bar"', line: 'a bar', out: null }],
  ['chained filters all apply', { pipeline: '|= "a" |= "b" != "c"', line: 'a b', out: { labels: APP } }],
  ['ip() matches an address in a CIDR', { pipeline: '|= ip("10.0.0.0/8")', line: 'from 10.1.2.3 port 22', out: { labels: APP } }],
  ['ip() is not fooled by a longer address', { pipeline: '|= ip("3.180.71.3")', line: '93.180.71.3 - GET', out: null }],
  ['ip() range', { pipeline: '|= ip("192.168.0.1-192.168.0.10")', line: 'peer=192.168.0.7', out: { labels: APP } }],
  ['ip() IPv6', { pipeline: '|= ip("2001:db8::/32")', line: 'addr 2001:db8::1 ok', out: { labels: APP } }],
  ['!= ip() drops matches', { pipeline: '!= ip("127.0.0.1")', line: 'from 127.0.0.1', out: null }],
];

const parsers: Array<[string, Case]> = [
  ['json: top-level fields', { pipeline: '| json', line: '{"level":"info","status":200,"ok":true}', out: { labels: { ...APP, level: 'info', status: '200', ok: 'true' } } }],
  ['json: nested keys joined with _', { pipeline: '| json', line: '{"a":{"b":{"c":"d"}},"x-y":"1"}', out: { labels: { ...APP, a_b_c: 'd', x_y: '1' } } }],
  ['json: arrays and null skipped, numbers as written', { pipeline: '| json', line: '{"list":[1,2],"n":null,"f":1.50}', out: { labels: { ...APP, f: '1.50' } } }],
  ['json: escaped strings unescaped', { pipeline: '| json', line: '{"msg":"a \\"q\\" \\u00e9"}', out: { labels: { ...APP, msg: 'a "q" é' } } }],
  ['json: clash with a stream label', { pipeline: '| json', line: '{"app":"y"}', out: { labels: { ...APP, app_extracted: 'y' } } }],
  ['json: not JSON sets __error__', { pipeline: '| json', line: 'plain text', out: { labels: { ...APP, __error__: 'JSONParserErr', __error_details__: "Value looks like it's not an object at offset 0" } } }],
  ['json: errors can be filtered out', { pipeline: '| json | __error__=""', line: 'plain text', out: null }],
  ['json: extraction expressions', { pipeline: '| json first="a.b", second="c[1]", third="d"', line: '{"a":{"b":"x"},"c":[1,{"k":2}]}', out: { labels: { ...APP, first: 'x', second: '{"k":2}' } } }],
  ['json: bracket keys', { pipeline: '| json v=`["a b"].c`', line: '{"a b":{"c":3}}', out: { labels: { ...APP, v: '3' } } }],
  ['logfmt: pairs', { pipeline: '| logfmt', line: 'level=info msg="hello world" took=5ms', out: { labels: { ...APP, level: 'info', msg: 'hello world', took: '5ms' } } }],
  ['logfmt: empty values and bare keys dropped', { pipeline: '| logfmt', line: 'a= b c=1', out: { labels: { ...APP, c: '1' } } }],
  // Kept as labels inside the pipeline (`| a=""` sees them), but an empty value is no label in the output.
  ['logfmt: --keep-empty keeps them', { pipeline: '| logfmt --keep-empty | label_format k="{{.a}}{{.b}}!"', line: 'a= b c=1', out: { labels: { ...APP, c: '1', k: '!' } } }],
  ['logfmt: keys sanitized', { pipeline: '| logfmt', line: 'http.status=500 1st=a', out: { labels: { ...APP, http_status: '500', _1st: 'a' } } }],
  ['logfmt: lenient on bad tokens', { pipeline: '| logfmt', line: 'a=1 =oops b=2', out: { labels: { ...APP, a: '1', b: '2' } } }],
  ['logfmt: --strict reports the error', { pipeline: '| logfmt --strict', line: 'a=1 =oops b=2', out: { labels: { ...APP, a: '1', __error__: 'LogfmtParserErr', __error_details__: "logfmt syntax error at pos 5 on line 1: unexpected '='" } } }],
  ['logfmt: extraction expressions', { pipeline: '| logfmt lvl="level", missing', line: 'level=warn x=1', out: { labels: { ...APP, lvl: 'warn' } } }],
  ['regexp: named groups', { pipeline: '| regexp "(?P<method>\\\\w+) (?P<path>\\\\S+)"', line: 'GET /api 200', out: { labels: { ...APP, method: 'GET', path: '/api' } } }],
  ['regexp: no match adds nothing', { pipeline: '| regexp "(?P<n>\\\\d+)"', line: 'none', out: { labels: APP } }],
  ['pattern: captures', { pipeline: '| pattern "<ip> - - <_> \\"<method> <uri> <_>\\" <status>"', line: '1.2.3.4 - - [x] "GET /a HTTP/1.1" 200', out: { labels: { ...APP, ip: '1.2.3.4', method: 'GET', uri: '/a', status: '200' } } }],
  ['unpack: labels and _entry', { pipeline: '| unpack', line: '{"_entry":"original","pod":"p1","n":3}', out: { line: 'original', labels: { ...APP, pod: 'p1' } } }],
  ['unpack: not packed keeps the line', { pipeline: '| unpack', line: '{"pod":"p1"}', out: { labels: APP } }],
];

const labelFilters: Array<[string, Case]> = [
  ['number >=', { pipeline: '| logfmt | status >= 500', line: 'status=503', out: { labels: { ...APP, status: '503' } } }],
  ['number < drops', { pipeline: '| logfmt | status < 500', line: 'status=503', out: null }],
  ['number on a missing label drops', { pipeline: '| status > 1', line: 'x', out: null }],
  ['number that does not parse keeps the line with an error', { pipeline: '| logfmt | status > 1', line: 'status=abc', out: { labels: { ...APP, status: 'abc', __error__: 'LabelFilterErr', __error_details__: 'strconv.ParseFloat: parsing "abc": invalid syntax' } } }],
  ['duration', { pipeline: '| logfmt | took > 100ms', line: 'took=1.5s', out: { labels: { ...APP, took: '1.5s' } } }],
  ['duration false', { pipeline: '| logfmt | took > 2s', line: 'took=1.5s', out: null }],
  ['bytes', { pipeline: '| logfmt | size >= 1KB', line: 'size=1.5KiB', out: { labels: { ...APP, size: '1.5KiB' } } }],
  ['string =', { pipeline: '| logfmt | level="error"', line: 'level=info', out: null }],
  ['string regex is anchored', { pipeline: '| logfmt | level=~"err"', line: 'level=error', out: null }],
  ['missing label compares as empty', { pipeline: '| missing=""', line: 'x', out: { labels: APP } }],
  ['and', { pipeline: '| logfmt | a="1" and b="2"', line: 'a=1 b=3', out: null }],
  ['or', { pipeline: '| logfmt | a="1" or b="2"', line: 'a=0 b=2', out: { labels: { ...APP, a: '0', b: '2' } } }],
  ['comma is and', { pipeline: '| logfmt | a="1", b="2"', line: 'a=1 b=2', out: { labels: { ...APP, a: '1', b: '2' } } }],
  ['ip label filter', { pipeline: '| logfmt | addr = ip("10.0.0.0/24")', line: 'addr=10.0.0.9', out: { labels: { ...APP, addr: '10.0.0.9' } } }],
  ['ip label filter !=', { pipeline: '| logfmt | addr != ip("10.0.0.0/24")', line: 'addr=10.0.0.9', out: null }],
];

const formatting: Array<[string, Case]> = [
  ['line_format', { pipeline: '| logfmt | line_format "{{.level | ToUpper}} {{.msg}}"', line: 'level=warn msg=hi', out: { line: 'WARN hi', labels: { ...APP, level: 'warn', msg: 'hi' } } }],
  ['line_format with a missing label', { pipeline: '| line_format "[{{.nope}}]"', line: 'x', out: { line: '[]', labels: APP } }],
  ['line_format __line__ and __timestamp__', { pipeline: '| line_format `{{ __line__ }} @{{ __timestamp__ | unixEpoch }}`', line: 'x', out: { line: 'x @1700000000', labels: APP } }],
  ['line filter after line_format sees the new line', { pipeline: '| line_format "changed" |= "orig"', line: 'orig', out: null }],
  ['label_format rename', { pipeline: '| logfmt | label_format lvl=level', line: 'level=info', out: { labels: { ...APP, lvl: 'info' } } }],
  ['label_format template', { pipeline: '| logfmt | label_format combo="{{.a}}-{{.b}}"', line: 'a=1 b=2', out: { labels: { ...APP, a: '1', b: '2', combo: '1-2' } } }],
  ['label_format failure sets TemplateFormatErr', { pipeline: '| label_format x="{{ div 1 0 }}"', line: 'l', out: { labels: { ...APP, __error__: 'TemplateFormatErr', __error_details__: 'template: label:1: executing "label": error calling div: runtime error: integer divide by zero' } } }],
  ['drop by name', { pipeline: '| logfmt | drop a, app', line: 'a=1 b=2', out: { labels: { b: '2' } } }],
  ['drop by matcher', { pipeline: '| logfmt | drop a="1", b="9"', line: 'a=1 b=2', out: { labels: { ...APP, b: '2' } } }],
  ['drop __error__', { pipeline: '| json | drop __error__, __error_details__', line: 'nope', out: { labels: APP } }],
  ['keep', { pipeline: '| logfmt | keep a', line: 'a=1 b=2', out: { labels: { a: '1' } } }],
  ['keep never drops __error__', { pipeline: '| json | keep a', line: 'nope', out: { labels: { __error__: 'JSONParserErr', __error_details__: "Value looks like it's not an object at offset 0" } } }],
  ['decolorize', { pipeline: '| decolorize', line: '\u001b[31mred\u001b[0m text', out: { line: 'red text', labels: APP } }],
];

const metadata: Array<[string, Case]> = [
  ['structured metadata becomes labels', { pipeline: '', line: 'x', metadata: { trace_id: 't1' }, out: { labels: { ...APP, trace_id: 't1' } } }],
  ['stream label wins over metadata', { pipeline: '', line: 'x', metadata: { app: 'm' }, out: { labels: { ...APP, app_extracted: 'm' } } }],
  ['metadata wins over a parsed label', { pipeline: '| logfmt', line: 'trace_id=p', metadata: { trace_id: 'm' }, out: { labels: { ...APP, trace_id: 'm', trace_id_extracted: 'p' } } }],
  ['label filters see metadata', { pipeline: '| trace_id="t1"', line: 'x', metadata: { trace_id: 't2' }, out: null }],
];

describe('line filters', () => it.each(lineFilters)('%s', (_, c) => check(c)));
describe('parsers', () => it.each(parsers)('%s', (_, c) => check(c)));
describe('label filters', () => it.each(labelFilters)('%s', (_, c) => check(c)));
describe('formatting and label stages', () => it.each(formatting)('%s', (_, c) => check(c)));
describe('structured metadata', () => it.each(metadata)('%s', (_, c) => check(c)));

describe('regular expressions', () => {
  it('answer a catastrophic pattern on a long line (linear time)', () => {
    const plan = compileLogSelector('{app="x"} |~ "(a+)+$"');
    const p = plan.pipeline.forStream(labelsFromRecord(APP));
    expect(p.process(1n, 'a'.repeat(50_000) + 'b')).toBeNull();
    expect(p.process(1n, 'x' + 'a'.repeat(50_000))).not.toBeNull();
  });

  it('use Go syntax: named groups and flags', () => {
    const plan = compileLogSelector('{app="x"} | regexp "(?i)(?P<word>HELLO)"');
    const out = plan.pipeline.forStream(labelsFromRecord(APP)).process(1n, 'say hello');
    expect(out?.labels).toEqual(labelsFromRecord({ ...APP, word: 'hello' }));
  });
});
