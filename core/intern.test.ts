import { describe, expect, it } from 'vitest';
import { internLabels, internLabelSet, internString } from './intern.js';

describe('intern', () => {
  it('answers one shared copy for equal strings, equal to what it was given', () => {
    const quoted = '"streams-bench-value"';
    const a = internString(quoted.slice(1, -1));
    const b = internString(['streams', 'bench', 'value'].join('-'));
    expect(a).toBe('streams-bench-value');
    expect(Object.is(a, b)).toBe(true);
  });

  it('interns labels into frozen pairs with the same names and values, and label sets into one array', () => {
    const labels = internLabels([{ name: 'job', value: 'api' }, { name: 'pod', value: 'pod-1' }]);
    expect(labels).toEqual([{ name: 'job', value: 'api' }, { name: 'pod', value: 'pod-1' }]);
    expect(Object.isFrozen(labels)).toBe(true);
    expect(Object.isFrozen(labels[0])).toBe(true);
    const set = internLabelSet([{ name: 'detected_level', value: 'info' }]);
    expect(internLabelSet([{ name: 'detected_level', value: 'info' }])).toBe(set);
    expect(internLabelSet([{ name: 'detected_level', value: 'warn' }])).toEqual([{ name: 'detected_level', value: 'warn' }]);
    // Whatever a value holds, it cannot pass for two pairs (or the other way round).
    const one = internLabelSet([{ name: 'a', value: 'b\u0000c\u0000d' }]);
    const two = internLabelSet([{ name: 'a', value: 'b' }, { name: 'c', value: 'd' }]);
    expect(one).toEqual([{ name: 'a', value: 'b\u0000c\u0000d' }]);
    expect(two).toEqual([{ name: 'a', value: 'b' }, { name: 'c', value: 'd' }]);
    const colon = internLabelSet([{ name: 'a', value: '1:b' }]);
    expect(colon).toEqual([{ name: 'a', value: '1:b' }]);
    expect(internLabelSet([{ name: 'a1:', value: 'b' }])).toEqual([{ name: 'a1:', value: 'b' }]);
  });
});
