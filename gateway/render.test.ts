import { describe, expect, it } from 'vitest';
import { emptyStats, type QueryResponse } from '../logql/types.js';
import { encodingFlags, renderQueryResponse, renderTailMessage } from './render.js';

const PLAIN = { categorizeLabels: false };
const CATEGORIZED = { categorizeLabels: true };

describe('renderQueryResponse', () => {
  const response: QueryResponse = {
    data: {
      resultType: 'streams',
      result: [
        {
          labels: [
            { name: 'app', value: 'api' },
            { name: 'level', value: 'info' },
          ],
          entries: [
            { ts: 3n, line: 'a', metadata: [{ name: 'trace', value: 't1' }] },
            { ts: 2n, line: 'b' },
            { ts: 1n, line: 'c', metadata: [{ name: 'trace', value: 't1' }] },
            // A metadata name that clashes with a stream label keeps the stream label's value.
            { ts: 0n, line: 'd', metadata: [{ name: 'level', value: 'debug' }, { name: 'trace', value: 't2' }] },
          ],
        },
      ],
    },
    stats: emptyStats(),
  };

  it('splits a stream by metadata, in first-seen order, keeping entry order within each', () => {
    const body = JSON.parse(renderQueryResponse(response, PLAIN));
    expect(body.data.result).toEqual([
      { stream: { app: 'api', level: 'info', trace: 't1' }, values: [['3', 'a'], ['1', 'c']] },
      { stream: { app: 'api', level: 'info' }, values: [['2', 'b']] },
      { stream: { app: 'api', level: 'info', trace: 't2' }, values: [['0', 'd']] },
    ]);
  });

  it('with categorize-labels, writes data.encodingFlags before the result', () => {
    const text = renderQueryResponse(response, CATEGORIZED);
    expect(text.startsWith('{"status":"success","data":{"resultType":"streams","encodingFlags":["categorize-labels"],"result":[')).toBe(true);
    expect(JSON.parse(text).data.result[0].values[3]).toEqual(['0', 'd', { structuredMetadata: { level: 'debug', trace: 't2' } }]);
  });

  it('escapes lines and label values as JSON', () => {
    const text = renderQueryResponse(
      {
        data: { resultType: 'streams', result: [{ labels: [{ name: 'path', value: 'C:\\logs\n"x"' }], entries: [{ ts: 1n, line: '\u0000\t\u2028end' }] }] },
        stats: emptyStats(),
      },
      PLAIN,
    );
    const body = JSON.parse(text);
    expect(body.data.result[0]).toEqual({ stream: { path: 'C:\\logs\n"x"' }, values: [['1', '\u0000\t\u2028end']] });
  });

  it('renders empty results as empty arrays', () => {
    expect(JSON.parse(renderQueryResponse({ data: { resultType: 'matrix', result: [] }, stats: emptyStats() }, PLAIN)).data.result).toEqual([]);
    expect(JSON.parse(renderQueryResponse({ data: { resultType: 'streams', result: [] }, stats: emptyStats() }, PLAIN)).data.result).toEqual([]);
  });
});

describe('tail messages and flags', () => {
  it('renders {"streams": [...]} for a tail batch', () => {
    const text = renderTailMessage([{ labels: [{ name: 'a', value: 'b' }], entries: [{ ts: 5n, line: 'x' }] }], PLAIN);
    expect(text).toBe('{"streams":[{"stream":{"a":"b"},"values":[["5","x"]]}]}');
  });

  it('reads the encoding flags header case- and space-insensitively', () => {
    expect(encodingFlags(' Categorize-Labels , other')).toEqual(CATEGORIZED);
    expect(encodingFlags(undefined)).toEqual(PLAIN);
    expect(encodingFlags(['x', 'categorize-labels'])).toEqual(CATEGORIZED);
  });
});
