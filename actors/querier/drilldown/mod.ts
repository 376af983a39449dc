// Grafana Logs Drilldown's reads: detected labels and fields, patterns, volume over time.

export { DrilldownQuerier } from './drilldown-querier.js';
export { IngesterPatterns, mergePatterns } from './patterns.js';
export { detectedLabels } from './detected-labels.js';
export { detectFields, detectFieldValues } from './detected-fields.js';
export { fieldType } from './field-types.js';
