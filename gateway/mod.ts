// The HTTP edge: Loki's HTTP API over the push and query services.

export { createHttpServer } from './server.js';
export { HttpError, statusOf, messageOf } from './errors.js';
export { REQUEST_DURATION_METRIC } from './metrics.js';
export {
  PUSH_PROTO_DESCRIPTOR,
  decodePushRequest,
  encodePushRequest,
  pushRequestProtoType,
  snappyCompress,
  snappyUncompress,
} from './push-proto.js';
export { decodePushBody } from './push-body.js';
export { parseTimestamp, parseSecondsOrDuration, parseRfc3339 } from './time-format.js';
export { formatSampleValue, formatPromTime } from './number-format.js';
export { renderQueryResponse } from './render.js';
export { SINGLE_TENANT_ID, tenantIdProblem } from './tenant.js';

export type { BuildInfo, HttpDeps, HttpLimits } from './deps.js';
export type { HttpErrorCode } from './errors.js';
export type { EncodableStream } from './push-proto.js';
export type { PushBodyOptions } from './push-body.js';
export type { RenderOptions } from './render.js';
