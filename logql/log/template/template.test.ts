import { describe, expect, it } from 'vitest';
import { compileTemplate } from './exec.js';
import { formatGoTime, GoTime, parseGoTime } from './go-time.js';

const labels = new Map([
  ['level', 'warn'],
  ['msg', 'Hello World'],
  ['n', '7'],
  ['email', 'bob@example.com'],
  ['path', '/a%20b?x=1'],
  ['json', '{"a":{"b":[1,"two"]},"s":"str"}'],
  ['pad', '  x  '],
  ['date', '2024-03-05T10:20:30Z'],
  ['took', '1.5s'],
  ['size', '2KB'],
]);
const ctx = { line: 'the line', ts: 1_700_000_000_123_456_789n };

function render(src: string): string {
  return compileTemplate(src, 'line').execute(labels, ctx);
}

// [template, output], from Loki's template function documentation.
const cases: Array<[string, string]> = [
  ['plain text', 'plain text'],
  ['{{.level}}', 'warn'],
  ['{{ .missing }}', ''],
  ['{{ .msg | ToLower }} {{ .msg | ToUpper }}', 'hello world HELLO WORLD'],
  ['{{ lower .msg }} {{ upper .msg }} {{ title "hello there" }}', 'hello world HELLO WORLD Hello There'],
  ['{{ Replace .msg "l" "L" 2 }}', 'HeLLo World'],
  ['{{ replace "o" "0" .msg }}', 'Hell0 W0rld'],
  ['{{ Trim .pad " " }}|{{ TrimSpace .pad }}|{{ trim .pad }}', 'x|x|x'],
  ['{{ TrimLeft "xxaxx" "x" }} {{ TrimRight "xxaxx" "x" }}', 'axx xxa'],
  ['{{ TrimPrefix .msg "Hello " }} {{ TrimSuffix .msg " World" }}', 'World Hello'],
  ['{{ trimPrefix "Hello " .msg }} {{ trimSuffix " World" .msg }} {{ trimAll "H" "HaH" }}', 'World Hello a'],
  ['{{ trunc 5 .msg }}|{{ trunc -5 .msg }}|{{ substr 0 5 .msg }}', 'Hello|World|Hello'],
  ['{{ contains "World" .msg }} {{ hasPrefix "He" .msg }} {{ hasSuffix "x" .msg }}', 'true true false'],
  ['{{ repeat 3 "ab" }}', 'ababab'],
  ['{{ indent 2 "a\\nb" }}', '  a\n  b'],
  ['{{ regexReplaceAll "(\\\\w+)@(\\\\w+)" .email "${2} at ${1}" }}', 'example at bob.com'],
  ['{{ regexReplaceAllLiteral "o" .msg "$1" }}', 'Hell$1 W$1rld'],
  ['{{ count "o" .msg }}', '2'],
  ['{{ urldecode .path }}|{{ urlencode "a b&c" }}', '/a b?x=1|a+b%26c'],
  ['{{ b64enc "hi" }} {{ b64dec "aGk=" }}', 'aGk= hi'],
  ['{{ add 1 2 3 }} {{ sub 10 .n }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }}', '6 3 6 3 1'],
  ['{{ addf 1.5 1 }} {{ subf 5 1.5 }} {{ mulf 2 1.25 }} {{ divf 1 4 }}', '2.5 3.5 2.5 0.25'],
  ['{{ max 1 9 3 }} {{ min 4 2 8 }} {{ maxf 1.5 2.5 }} {{ minf 1.5 2.5 }}', '9 2 2.5 1.5'],
  ['{{ ceil 1.2 }} {{ floor 1.8 }} {{ round 3.14159 2 }}', '2 1 3.14'],
  ['{{ int "42" }} {{ float64 "1.5" }}', '42 1.5'],
  ['{{ bytes .size }} {{ duration .took }} {{ duration_seconds "1m" }}', '2000 1.5 60'],
  ['{{ default "none" .missing }} {{ default "none" .level }}', 'none warn'],
  ['{{ (fromJson .json).s }} {{ index (fromJson .json).a.b 1 }}', 'str two'],
  ['{{ __line__ }}', 'the line'],
  ['{{ __timestamp__ | unixEpoch }} {{ __timestamp__ | unixEpochMillis }} {{ __timestamp__ | unixEpochNanos }}', '1700000000 1700000000123 1700000000123456789'],
  ['{{ __timestamp__ | date "2006-01-02 15:04:05.000" }}', '2023-11-14 22:13:20.123'],
  ['{{ toDate "2006-01-02T15:04:05Z07:00" .date | unixEpoch }}', '1709634030'],
  ['{{ toDateInZone "2006-01-02" "UTC" "2024-01-02" | date "Jan 2, 2006" }}', 'Jan 2, 2024'],
  ['{{ unixToTime "1700000000" | date "2006" }}', '2023'],
  ['{{ alignLeft 5 "ab" }}|{{ alignRight 5 "ab" }}', 'ab   |   ab'],
  ['{{ printf "%s=%05d %.2f %q %v" .level 42 3.14159 "x" true }}', 'warn=00042 3.14 "x" true'],
  ['{{ if eq .level "warn" }}W{{ else if eq .level "error" }}E{{ else }}?{{ end }}', 'W'],
  ['{{ if and .level (not .missing) }}yes{{ end }}', 'yes'],
  ['{{ if or .missing .n }}{{ . | len }}{{ end }}', '10'],
  ['{{ with .level }}[{{ . }}]{{ end }}{{ with .missing }}no{{ else }}empty{{ end }}', '[warn]empty'],
  ['{{ $x := "v" }}{{ $x }}{{ $x = "w" }}{{ $x }}', 'vw'],
  ['{{ range $i, $e := (fromJson .json).a.b }}{{ $i }}:{{ $e }};{{ end }}', '0:1;1:two;'],
  ['a  {{- " b " -}}  c', 'a b c'],
  ['{{/* a comment */}}x', 'x'],
  ['{{ lt 1 2 }} {{ ge "b" "a" }} {{ ne .n "7" }}', 'true true false'],
  // Named templates, as Go's text/template runs them.
  ['{{ define "lvl" }}[{{ .level }}]{{ end }}{{ template "lvl" . }} {{ .msg }}', '[warn] Hello World'],
  ['{{ template "t" .msg }}{{ define "t" }}<{{ . }}>{{ end }}', '<Hello World>'],
  ['{{ define "t" }}<{{ . }}>{{ end }}{{ template "t" }}', '<<no value>>'],
  ['{{ block "b" .level }}({{ . | ToUpper }}){{ end }}!', '(WARN)!'],
  ['{{ block "b" . }}default{{ end }}{{ define "b" }}override {{ .n }}{{ end }}', 'override 7'],
  ['{{ define "a" }}{{ . }}{{ end }}{{ define "a" }}again {{ . }}{{ end }}{{ template "a" "x" }}', 'again x'],
  ['{{ define "inner" }}{{ $ }}{{ end }}{{ $v := "x" }}{{ template "inner" .level }}', 'warn'],
];

describe('template functions', () => {
  it.each(cases)('%s', (src, expected) => {
    expect(render(src)).toBe(expected);
  });

  it('fails to compile an unknown function', () => {
    expect(() => compileTemplate('{{ nope .x }}', 'line')).toThrow('function "nope" not defined');
  });

  it('refuses define inside an action and an unknown template', () => {
    expect(() => compileTemplate('{{ if true }}{{ define "x" }}{{ end }}{{ end }}', 'line')).toThrow('unexpected <define> in command');
    expect(() => render('{{ template "nope" . }}')).toThrow('template: line:1: executing "line": template "nope" not defined');
    expect(() => render('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}')).toThrow('exceeded maximum template depth (1000)');
  });

  it('fails at run time on incompatible comparisons', () => {
    expect(() => render('{{ if eq .n 7 }}x{{ end }}')).toThrow('incompatible types for comparison');
  });
});

describe('Go time layouts', () => {
  it('formats and parses the reference layouts', () => {
    const t = parseGoTime('2006-01-02T15:04:05.999999999Z07:00', '2024-02-29T23:59:58.5+02:00')!;
    expect(formatGoTime('2006-01-02T15:04:05.999999999Z07:00', new GoTime(t.ns))).toBe('2024-02-29T21:59:58.5Z');
    expect(formatGoTime('Mon Jan _2 03:04:05 PM MST 2006', new GoTime(0n))).toBe('Thu Jan  1 12:00:00 AM UTC 1970');
    expect(new GoTime(1_000_000_000n).toString()).toBe('1970-01-01 00:00:01 +0000 UTC');
  });
});
