import { describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../core/model.js';
import type { SelectLogsParams, StreamResult } from '../../logql/types.js';
import { LimitBound } from './limit-bound.js';

const params = (direction: 'forward' | 'backward', limit: number): SelectLogsParams => ({ tenant: 'fake', selector: '{job="a"}', start: 100n, end: 200n, direction, limit });
const stream = (pod: string, entries: Array<[bigint, string]>): StreamResult => ({ labels: labelsFromRecord({ job: 'a', pod }), entries: entries.map(([ts, line]) => ({ ts, line })) });

describe('LimitBound', () => {
  it('leaves the range whole until `limit` distinct entries are in', () => {
    const bound = new LimitBound(params('backward', 3));
    expect(bound.narrowed()).toEqual(params('backward', 3));
    bound.add([stream('p1', [[150n, 'x'], [140n, 'y']])]);
    expect(bound.narrowed()).toEqual(params('backward', 3));
  });

  it('starts a backward query at the worst kept instant, which later ties may still take', () => {
    const bound = new LimitBound(params('backward', 3));
    bound.add([stream('p1', [[190n, 'a'], [180n, 'b']]), stream('p2', [[170n, 'c'], [160n, 'd']])]);
    expect(bound.narrowed()).toMatchObject({ start: 170n, end: 200n });
    bound.add([stream('p3', [[195n, 'e']])]);
    expect(bound.narrowed()).toMatchObject({ start: 180n, end: 200n });
  });

  it('ends a forward query just after the worst kept instant', () => {
    const bound = new LimitBound(params('forward', 2));
    bound.add([stream('p1', [[120n, 'a'], [110n, 'b'], [130n, 'c']])]);
    expect(bound.narrowed()).toMatchObject({ start: 100n, end: 121n });
  });

  it('counts an entry once when streams repeat it (the final merge may drop copies), so the bound is never too tight', () => {
    const bound = new LimitBound(params('backward', 2));
    bound.add([stream('p1', [[190n, 'same']]), stream('p2', [[190n, 'same']])]);
    expect(bound.narrowed()).toEqual(params('backward', 2));
    bound.add([stream('p3', [[150n, 'other']])]);
    expect(bound.narrowed()).toMatchObject({ start: 150n });
  });
});
