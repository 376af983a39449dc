import { describe, expect, it } from 'vitest';
import { subjectMatches } from './subject-match.js';
import { decodeToken, encodeToken, subjects, tenantFromProducerSubject } from './subjects.js';

const awkward = ['fake', 'team-a', 'team_a', 'a.b', 'a*b', '>', '*', "it's(ok)!", 'with space', 'tab\there', '', '=', '=2e', 'ünïcødé', '日本', '🙂', 'a/b', 'a..b'];

describe('token encoding', () => {
  it.each(awkward)('round-trips %j as one valid NATS token', (value) => {
    const token = encodeToken(value);
    expect(token).toMatch(/^[A-Za-z0-9_=-]+$/);
    expect(decodeToken(token)).toBe(value);
  });

  it('leaves common ids readable', () => {
    expect(encodeToken('tenant-1_prod')).toBe('tenant-1_prod');
    expect(encodeToken('a.b')).toBe('a=2eb');
    expect(encodeToken("x*(y)'!")).toBe('x=2a=28y=29=27=21');
  });

  it('gives distinct values distinct tokens', () => {
    const tokens = awkward.map(encodeToken);
    expect(new Set(tokens).size).toBe(awkward.length);
  });

  it.each(['', 'a.b', 'a=zz', 'a=2', '=2d', '=ff', 'a b', 'A=2E'])('rejects %j, which no value encodes to', (token) => {
    expect(decodeToken(token)).toBeNull();
  });
});

describe('subjects', () => {
  it('builds the ingester subjects with the id as one token', () => {
    expect(subjects.ingesterPush('ingester-1')).toBe('norn.ingester.ingester-1.push');
    expect(subjects.ingesterQuery('ing.1')).toBe('norn.ingester.ing=2e1.query');
    expect(subjects.ingesterTransfer('x')).toBe('norn.ingester.x.transfer');
    expect(subjects.ingesterControl('x')).toBe('norn.ingester.x.control');
  });

  it.each(awkward)('puts tenant %j in one token of a producer subject and parses it back', (tenant) => {
    const subject = subjects.pushFromProducer(tenant);
    expect(subject.split('.')).toHaveLength(3);
    expect(subjectMatches(subjects.producerPushWildcard, subject)).toBe(true);
    expect(tenantFromProducerSubject(subject)).toBe(tenant);
  });

  it('parses only producer subjects', () => {
    expect(tenantFromProducerSubject('norn.push')).toBeNull();
    expect(tenantFromProducerSubject('norn.push.a.b')).toBeNull();
    expect(tenantFromProducerSubject(subjects.ingesterPush('x'))).toBeNull();
    expect(tenantFromProducerSubject('norn.push.a=zz')).toBeNull();
  });

  it('names the fixed subjects and the ring bucket', () => {
    expect(subjects.producerPushWildcard).toBe('norn.push.>');
    expect(subjects.ringBucket).toBe('norn-ring');
  });
});

describe('subjectMatches', () => {
  it.each([
    ['a.b.c', 'a.b.c', true],
    ['a.*.c', 'a.b.c', true],
    ['a.*', 'a.b.c', false],
    ['a.>', 'a.b.c', true],
    ['a.>', 'a', false],
    ['*.b.>', 'a.b.c.d', true],
    ['a.b', 'a.b.c', false],
    ['a.b.c', 'a.b', false],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});
