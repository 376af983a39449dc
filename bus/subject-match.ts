// NATS subject rules, shared by both transports so a malformed subject fails the same way
// in-process and on the wire: dot-separated non-empty tokens without whitespace; in patterns a
// `*` token matches one token and a final `>` matches one or more.

const WHITESPACE = /\s/;

export function assertValidSubject(subject: string, options: { wildcards: boolean }): void {
  const problem = subjectProblem(subject, options.wildcards);
  if (problem !== null) throw new TypeError(`invalid bus subject "${subject}": ${problem}`);
}

function subjectProblem(subject: string, wildcards: boolean): string | null {
  if (subject === '') return 'empty';
  if (WHITESPACE.test(subject)) return 'contains whitespace';
  const tokens = subject.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '') return 'empty token';
    const isWildcard = token === '*' || token === '>';
    if (isWildcard && !wildcards) return 'wildcards are only allowed when subscribing';
    if (token === '>' && i !== tokens.length - 1) return '">" must be the last token';
  }
  return null;
}

export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    const token = want[i];
    if (token === '>') return have.length > i;
    if (i >= have.length) return false;
    if (token !== '*' && token !== have[i]) return false;
  }
  return want.length === have.length;
}
