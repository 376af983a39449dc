import { describe, expect, it } from 'vitest';
import { LogQLParseError } from '../errors.js';
import { parseExpr } from './parser.js';
import { exprToString } from './printer.js';

// [query, canonical form as Loki prints it]
const canonical: Array<[string, string]> = [
  ['{foo="bar"}', '{foo="bar"}'],
  ['{ foo = "bar" }', '{foo="bar"}'],
  ['{ namespace="buzz", foo != "bar" }', '{namespace="buzz", foo!="bar"}'],
  ['{ foo =~ "bar" , x!~`y`}', '{foo=~"bar", x!~"y"}'],
  ['{foo="bar"} |= "baz"', '{foo="bar"} |= "baz"'],
  ['{foo="bar"} |= "a" != "b" |~ "c" !~ "d" |> "<_> e" !> "f <_>"', '{foo="bar"} |= "a" != "b" |~ "c" !~ "d" |> "<_> e" !> "f <_>"'],
  ['{foo="bar"} |= "a" or "b" or ip("1.2.3.4")', '{foo="bar"} |= "a" or "b" or ip("1.2.3.4")'],
  ['{foo="bar"} != "a" or "b"', '{foo="bar"} != "a" != "b"'],
  ['{foo="bar"} |= ip("10.0.0.0/8")', '{foo="bar"} |= ip("10.0.0.0/8")'],
  ['{foo="bar"} | json', '{foo="bar"} | json'],
  ['{foo="bar"} | json first="a.b", second', '{foo="bar"} | json first="a.b",second="second"'],
  ['{foo="bar"} | logfmt --strict --keep-empty', '{foo="bar"} | logfmt --strict --keep-empty'],
  ['{foo="bar"} | logfmt --keep-empty a, b="c"', '{foo="bar"} | logfmt --keep-empty a="a",b="c"'],
  ['{foo="bar"} | regexp "(?P<a>\\\\w+)"', '{foo="bar"} | regexp "(?P<a>\\\\w+)"'],
  ['{foo="bar"} | pattern `<ip> - <_>`', '{foo="bar"} | pattern "<ip> - <_>"'],
  ['{foo="bar"} | unpack | decolorize', '{foo="bar"} | unpack | decolorize'],
  ['{foo="bar"} | line_format "{{.a}}"', '{foo="bar"} | line_format "{{.a}}"'],
  ['{foo="bar"} | label_format a=b, c="{{.d}}"', '{foo="bar"} | label_format a=b,c="{{.d}}"'],
  ['{foo="bar"} | drop a, b="c" | keep d, e=~"f"', '{foo="bar"} | drop a,b="c" | keep d,e=~"f"'],
  ['{foo="bar"} | status >= 500', '{foo="bar"} | status>=500'],
  ['{foo="bar"} | status == 500 | x = 1.5 | y != -2', '{foo="bar"} | status==500 | x==1.5 | y!=-2'],
  ['{foo="bar"} | latency > 10s | size <= 20MB', '{foo="bar"} | latency>10s | size<=20MB'],
  ['{foo="bar"} | latency > 1m30s', '{foo="bar"} | latency>1m30s'],
  ['{foo="bar"} | size > 1KiB | size < 1.5KB', '{foo="bar"} | size>1024B | size<1.5kB'],
  ['{foo="bar"} | a="1" and b="2" or c="3"', '{foo="bar"} | ( ( a="1" , b="2" ) or c="3" )'],
  ['{foo="bar"} | a="1" or b="2" and c="3"', '{foo="bar"} | ( a="1" or ( b="2" , c="3" ) )'],
  ['{foo="bar"} | a="1", b="2" or c="3"', '{foo="bar"} | ( a="1" , ( b="2" or c="3" ) )'],
  ['{foo="bar"} | a="1" b="2"', '{foo="bar"} | ( a="1" , b="2" )'],
  ['{foo="bar"} | (a="1" or b="2") and c="3"', '{foo="bar"} | ( ( a="1" or b="2" ) , c="3" )'],
  ['{foo="bar"} | addr = ip("1.2.3.4") | addr != ip("::1")', '{foo="bar"} | addr=ip("1.2.3.4") | addr!=ip("::1")'],
  ['{ foo = "bar" }|logfmt|rate="a"', '{foo="bar"} | logfmt | rate="a"'],
  ['count_over_time({foo="bar"}[5m])', 'count_over_time({foo="bar"}[5m])'],
  ['count_over_time({foo="bar"}[12h] |= "error")', 'count_over_time({foo="bar"} |= "error"[12h])'],
  ['count_over_time({foo="bar"} |= "error" [12h])', 'count_over_time({foo="bar"} |= "error"[12h])'],
  ['count_over_time(({foo="bar"} |= "error") [1d])', 'count_over_time({foo="bar"} |= "error"[1d])'],
  ['rate({foo="bar"}[1w] offset 1h)', 'rate({foo="bar"}[1w] offset 1h0m0s)'],
  ['rate({ foo = "bar" }[90s])', 'rate({foo="bar"}[1m30s])'],
  ['sum(rate({ foo = "bar" }[1y]))', 'sum(rate({foo="bar"}[1y]))'],
  ['avg(count_over_time({ foo = "bar" }[5h])) by (bar,foo)', 'avg by (bar,foo)(count_over_time({foo="bar"}[5h]))'],
  ['max without (bar) (count_over_time({ foo = "bar" }[5h]))', 'max without (bar)(count_over_time({foo="bar"}[5h]))'],
  ['sum by () (count_over_time({ foo = "bar" }[5h]))', 'sum(count_over_time({foo="bar"}[5h]))'],
  ['topk(10,count_over_time({ foo = "bar" }[5h])) without (bar)', 'topk without (bar)(10,count_over_time({foo="bar"}[5h]))'],
  ['bottomk(30 ,sum(rate({ foo = "bar" }[5h])) by (foo))', 'bottomk(30,sum by (foo)(rate({foo="bar"}[5h])))'],
  ['sort_desc(sum by (a) (rate({x="y"}[1m])))', 'sort_desc(sum by (a)(rate({x="y"}[1m])))'],
  ['sum_over_time({a="b"} | unwrap x [5m])', 'sum_over_time({a="b"} | unwrap x[5m])'],
  ['sum_over_time({a="b"} | json | unwrap bytes(size) | __error__="" [5m])', 'sum_over_time({a="b"} | json | unwrap bytes(size) | __error__=""[5m])'],
  ['quantile_over_time(0.99, {a="b"} | unwrap duration_seconds(d) [5m]) by (a)', 'quantile_over_time(0.99,{a="b"} | unwrap duration_seconds(d)[5m]) by (a)'],
  ['max_over_time({a="b"}[5m] | logfmt | unwrap x)', 'max_over_time({a="b"} | logfmt | unwrap x[5m])'],
  ['1 + 2 * 3', '7'],
  ['(1 + 2) * 3', '9'],
  ['2 ^ 3 ^ 2', '512'],
  ['10 / 0', 'NaN'],
  ['1e6', '1e+06'],
  ['-0.5', '-0.5'],
  ['vector(1) + vector(1)', '(vector(1.000000) + vector(1.000000))'],
  ['sum(rate({a="b"}[1m])) / sum(rate({a="c"}[1m])) * 100', '((sum(rate({a="b"}[1m])) / sum(rate({a="c"}[1m]))) * 100)'],
  ['rate({a="b"}[1m]) > bool 2', '(rate({a="b"}[1m]) > bool 2)'],
  ['rate({a="b"}[1m]) + on (x) group_left (y) rate({a="c"}[1m])', '(rate({a="b"}[1m]) + on (x) group_left (y) rate({a="c"}[1m]))'],
  ['rate({a="b"}[1m]) + ignoring (x) rate({a="c"}[1m])', '(rate({a="b"}[1m]) + ignoring (x)  rate({a="c"}[1m]))'],
  ['rate({a="b"}[1m]) or rate({a="c"}[1m]) and rate({a="d"}[1m])', '(rate({a="b"}[1m]) or (rate({a="c"}[1m]) and rate({a="d"}[1m])))'],
  ['label_replace(rate({a="b"}[5m]), "foo", "$1", "a", "(.*)")', 'label_replace(rate({a="b"}[5m]),"foo","$1","a","(.*)")'],
  ['# comment\n{foo="bar"} # trailing', '{foo="bar"}'],
  ['SUM(RATE({a="b"}[1m])) BY (a)', 'sum by (a)(rate({a="b"}[1m]))'],
];

describe('parse and print', () => {
  it.each(canonical)('%s', (input, expected) => {
    expect(exprToString(parseExpr(input))).toBe(expected);
  });

  // NaN has no literal syntax, in Loki either: its canonical text does not parse back.
  it.each(canonical.filter(([, out]) => out !== 'NaN'))('canonical text of %s parses to itself', (input) => {
    const once = exprToString(parseExpr(input));
    expect(exprToString(parseExpr(once))).toBe(once);
  });
});

// [query, Loki's error message]
const failures: Array<[string, string]> = [
  ['unk({ foo = "bar" }[5m])', 'parse error at line 1, col 1: syntax error: unexpected IDENTIFIER'],
  ['absent_over_time({ foo = "bar" }[5h]) by (foo)', 'parse error : grouping not allowed for absent_over_time aggregation'],
  ['rate({ foo = "bar" }[5minutes])', 'parse error at line 0, col 21: not a valid duration string: "5minutes"'],
  ['label_replace(rate({ foo = "bar" }[5m]),"")', 'parse error at line 1, col 43: syntax error: unexpected ), expecting ,'],
  ['rate({ foo = "bar" }[5)', "parse error at line 0, col 21: missing closing ']' in duration"],
  ['min({ foo = "bar" }[5m])', 'parse error at line 0, col 20: syntax error: unexpected RANGE'],
  ['{ foo = "bar" }|logfmt|addr>=ip("1.2.3.4")', 'parse error at line 1, col 30: syntax error: unexpected ip, expecting BYTES or NUMBER or DURATION'],
  ['{ foo = "bar" }|logfmt|addr>ip("1.2.3.4")', 'parse error at line 1, col 29: syntax error: unexpected ip, expecting BYTES or NUMBER or DURATION'],
  ['label_replace(rate({ foo = "bar" }[5m]),"foo","$1","bar","^^^^x43\\\\q")', 'parse error : invalid regex in label_replace: error parsing regexp: invalid escape sequence: `\\q`'],
  ['{}', 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will'],
  ['{app=~".*"}', 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will'],
  ['{foo="bar"', 'parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,'],
  ['sum(count_over_time({a="b"}[5m])) by (a) by (b)', 'parse error at line 1, col 42: syntax error: unexpected by'],
  ['topk(count_over_time({a="b"}[5m]))', 'parse error : parameter required for operation topk'],
  ['topk(1.5, count_over_time({a="b"}[5m]))', 'parse error : invalid parameter topk(1.5,'],
  ['topk(0, count_over_time({a="b"}[5m]))', 'parse error : invalid parameter (must be greater than 0) topk(0'],
  ['sum(2, count_over_time({a="b"}[5m]))', 'parse error : unsupported parameter for operation sum(2,'],
  ['quantile_over_time({a="b"} | unwrap x [5m])', 'parse error : parameter required for operation quantile_over_time'],
  ['rate(2, {a="b"}[5m])', 'parse error : parameter 2 not supported for operation rate'],
  ['sum_over_time({a="b"}[5m])', 'parse error : invalid aggregation sum_over_time without unwrap'],
  ['count_over_time({a="b"} | unwrap x [5m])', 'parse error : invalid aggregation count_over_time with unwrap'],
  ['sort by (a) (count_over_time({a="b"}[5m]))', "parse error : sort and sort_desc doesn't allow grouping by "],
  ['{a="b"} + 1', 'parse error : unexpected type for left leg of binary operation (+): *syntax.MatchersExpr'],
  ['1 + {a="b"} |= "x"', 'parse error : unexpected type for right leg of binary operation (+): *syntax.PipelineExpr'],
  ['1 or count_over_time({a="b"}[5m])', 'parse error : unexpected literal for left leg of logical/set binary operation (or): 1.000000'],
  ['{a="b"} | regexp "(\\\\w+)"', 'parse error : invalid regexp parser: at least one named capture must be supplied'],
  ['{a="b"} | pattern "foo"', 'parse error : invalid pattern parser: at least one capture is required'],
  ['{a="b"} | pattern "<a><b>"', 'parse error : invalid pattern parser: found consecutive capture: invalid expression'],
  ['{a=~"(a"}', 'parse error : error parsing regexp: missing closing ): `^(?:(a)$`'],
  ['{a="b} ', 'parse error at line 1, col 4: literal not terminated'],
  ['{a="b"} |= 5', 'parse error at line 1, col 12: syntax error: unexpected NUMBER, expecting STRING or ip'],
];

describe('must fail', () => {
  it.each(failures)('%s', (input, message) => {
    let caught: unknown;
    try {
      parseExpr(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LogQLParseError);
    expect((caught as LogQLParseError).message).toBe(message);
    expect((caught as LogQLParseError).code).toBe('LOGQL_PARSE');
    expect((caught as LogQLParseError).status).toBe(400);
  });
});

describe('Loki documentation queries', () => {
  it.each([
    '{container="query-frontend",namespace="loki-dev"} |= "metrics.go" | logfmt | duration > 10s and throughput_mb < 500',
    '{cluster="ops-tools1", namespace="loki-dev", job="loki-dev/query-frontend"} |= "metrics.go" !="out of order" | logfmt | duration > 30s or status_code!="200"',
    '{job="mysql"} |= "error" | json | line_format "{{.message}}"',
    'sum by (org_id) (sum_over_time({cluster="ops-tools1",container="loki-dev"} |= "metrics.go" | logfmt | unwrap bytes_processed [1m]))',
    'quantile_over_time(0.99, {cluster="ops-tools1",container="ingress-nginx"} | json | __error__ = "" | unwrap request_time [1m]) by (path)',
    'sum by (host) (rate({job="mysql"} |= "error" != "timeout" | json | duration > 10s [1m]))',
    'topk(10,sum(rate({region="us-east1"}[5m])) by (name))',
    '{job="nginx"} | pattern `<ip> - - <_> "<method> <uri> <_>" <status> <size> <_> "<agent>" <_>`',
    '{app="foo"} | json | __error__ != "JSONParserErr" | keep level, status',
    'sum(rate({app="foo", level="warn"}[1m])) / sum(rate({app="foo", level="error"}[1m]))',
    'label_replace(rate({job="api-server",service="a:c"} |= "err" [5m]), "foo", "$1", "service", "(.*):.*")',
    '{job="security"} |~ "Invalid user.*" | regexp "(^(?P<user>\\\\S+ {1,2}){11})" | line_format "USER = {{.user}}"',
    'sum(count_over_time({job="mysql"}[5m])) by (level) > bool 10',
    'rate({app="foo"} | unpack | level="error" [1m])',
    'avg_over_time({job="x"} | logfmt | unwrap bytes(size) | __error__="" [5m]) by (pod)',
  ])('%s', (query) => {
    const expr = parseExpr(query);
    expect(exprToString(parseExpr(exprToString(expr)))).toBe(exprToString(expr));
  });

  it('rejects unwrap outside a range aggregation', () => {
    expect(() => parseExpr('{a="b"} | unwrap x')).toThrow('parse error at line 1, col 11: syntax error: unexpected unwrap');
  });
});
