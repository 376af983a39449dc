// OTLP logs as the HTTP edge decodes them (protobuf or JSON), before any mapping to streams:
// the parts of `opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest` Loki reads.

/** OTLP's `AnyValue`: exactly one member set, or none (an empty value). */
export type OtlpValue =
  | { readonly string: string }
  | { readonly bool: boolean }
  | { readonly int: bigint }
  | { readonly double: number }
  | { readonly bytes: Uint8Array }
  | { readonly array: readonly OtlpValue[] }
  | { readonly kvlist: readonly OtlpKeyValue[] }
  | { readonly empty: true };

export interface OtlpKeyValue {
  readonly key: string;
  readonly value: OtlpValue;
}

export interface OtlpLogRecord {
  /** ns; 0 when unset. */
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: OtlpValue;
  readonly attributes: readonly OtlpKeyValue[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
  /** Raw bytes; empty when unset. */
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
}

export interface OtlpScopeLogs {
  readonly scope: {
    readonly name: string;
    readonly version: string;
    readonly attributes: readonly OtlpKeyValue[];
    readonly droppedAttributesCount: number;
  };
  readonly logRecords: readonly OtlpLogRecord[];
}

export interface OtlpResourceLogs {
  readonly resource: { readonly attributes: readonly OtlpKeyValue[] };
  readonly scopeLogs: readonly OtlpScopeLogs[];
}

export interface OtlpLogsRequest {
  readonly resourceLogs: readonly OtlpResourceLogs[];
}

export function emptyScope(): OtlpScopeLogs['scope'] {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
}

export function countLogRecords(request: OtlpLogsRequest): number {
  let count = 0;
  for (const resource of request.resourceLogs) for (const scope of resource.scopeLogs) count += scope.logRecords.length;
  return count;
}
