import { describe, expect, it } from 'vitest';
import type { Entry } from '../../core/model.js';
import { DEFAULT_INGESTER } from './config.js';
import { IngesterStream } from './stream.js';

const T = 1_700_000_000_000_000_000n;

function stream(): IngesterStream {
  return new IngesterStream('t', [{ name: 'app', value: 'a' }], '{app="a"}', 'fp', DEFAULT_INGESTER);
}

describe('retries at the newest timestamp', () => {
  it('drops an exact repeat, keeps lines that differ in text or metadata, few or many per timestamp', () => {
    for (const count of [1, 3, 8, 9, 40]) {
      const s = stream();
      const first: Entry[] = Array.from({ length: count }, (_, i) => ({ ts: T, line: `line ${i}`, metadata: [{ name: 'detected_level', value: 'info' }] }));
      expect(s.append(first, 0).appended).toBe(count);
      // The client retries the whole batch, plus one line differing only in metadata and a new one.
      const retry: Entry[] = [
        ...first.map((entry) => ({ ...entry })),
        { ts: T, line: 'line 0', metadata: [{ name: 'detected_level', value: 'warn' }] },
        { ts: T, line: 'line 0' },
        { ts: T, line: 'fresh' },
      ];
      expect(s.append(retry, 0).appended).toBe(3);
      expect(s.append([{ ts: T, line: 'line 0' }, { ts: T, line: 'fresh' }], 0).appended).toBe(0);
      expect(s.unflushedEntries).toBe(count + 3);
    }
  });

  it('takes an equal line again once a newer timestamp was seen', () => {
    const s = stream();
    expect(s.append([{ ts: T, line: 'x' }, { ts: T + 1n, line: 'x' }, { ts: T + 1n, line: 'x' }], 0).appended).toBe(2);
    expect(s.append([{ ts: T + 1n, line: 'x', metadata: [] }], 0).appended).toBe(0);
  });
});
