// LogQL: parser, printer, pipelines, the data-source side API and the engine.

export { LogQLError, LogQLParseError, UnsupportedQueryError, PipelineError, QueryLimitError, InvalidPipelineError, isLogQLError } from './errors.js';
export type { LogQLErrorCode } from './errors.js';

export { parseExpr, parseLogSelector, parseSampleExpr, MAX_QUERY_LENGTH } from './syntax/parser.js';
export { exprToString, sampleToString, logSelectorToString, matchersToString } from './syntax/printer.js';
export { parseLabels } from './syntax/labels.js';
export { formatQuery } from './format.js';
export type * from './syntax/ast.js';

export { compileLogSelector, compileSampleExpr, compileMatchers, matchesLabels, innerRangeAggregation } from './plan.js';
export type { LogSelectorPlan, SamplePlan, Matcher } from './plan.js';
export type { Pipeline, StreamPipeline, ProcessedLine } from './log/pipeline.js';
export type { SampleExtractor, StreamSampleExtractor, ExtractedSample } from './log/extractor.js';
export { ERROR_LABEL, ERROR_DETAILS_LABEL } from './log/labels-builder.js';

export { selectLogsFromStreams, selectLogsSteps, selectSamplesFromStreams, selectSamplesSteps, hashLine } from './engine/select.js';
export type { StreamInput, LogSelection, SampleSelection } from './engine/select.js';
export { Engine } from './engine/engine.js';
export { TenantsQuerier, TENANT_LABEL, TENANT_SEPARATOR, tenantsOf, withTenant } from './engine/tenants.js';
export type { EngineOptions } from './engine/engine.js';

export { emptyStats } from './types.js';
export type {
  Direction, QueryParams, QueryResponse, QueryData, QueryStats, Querier, StreamResult, SeriesResult, VectorSample,
  Point, SelectLogsParams, SelectSamplesParams, Sample, SampleSeries,
} from './types.js';
