import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Entry } from '../../core/model.js';
import { DEFAULT_INGESTER } from '../ingester/config.js';
import { IngesterStream } from '../ingester/stream.js';
import { dedupeEntries } from './merge-entries.js';

const md = (trace: string) => labelsFromRecord({ trace_id: trace });
const one: Entry = { ts: 10n, line: 'same', metadata: md('1') };
const two: Entry = { ts: 10n, line: 'same', metadata: md('2') };

describe('entries that differ only in structured metadata', () => {
  it('are distinct to the store read (replicas\' chunks merged), exact copies are not', () => {
    const merged = [one, two, { ...one }, { ...two }, { ts: 10n, line: 'same' }, { ts: 10n, line: 'same' }, { ts: 11n, line: 'same', metadata: md('1') }];
    expect([...dedupeEntries(merged)]).toEqual([one, two, { ts: 10n, line: 'same' }, { ts: 11n, line: 'same', metadata: md('1') }]);
  });

  it('are distinct to the ingester, in one push and in later ones; retries are dropped', () => {
    const stream = new IngesterStream('t', labelsFromRecord({ app: 'md' }), '{app="md"}', 'f', DEFAULT_INGESTER);
    expect(stream.append([one, two, { ...one }], 0).appended).toBe(2);
    expect(stream.append([{ ...two }, { ts: 10n, line: 'same', metadata: md('3') }], 0).appended).toBe(1);
    expect(stream.append([{ ts: 10n, line: 'same' }, { ts: 10n, line: 'same' }], 0).appended).toBe(1);
  });
});
