// OTLP/HTTP protobuf: `ExportLogsServiceRequest` in, `ExportLogsServiceResponse` and
// `google.rpc.Status` out. Decoding walks the wire format with protobufjs' Reader straight into
// the distributor's OTLP model (timestamps exact to the nanosecond, ids as raw bytes); unknown
// fields are skipped, as every protobuf reader must.

import protobuf from 'protobufjs';
import type {
  OtlpKeyValue,
  OtlpLogRecord,
  OtlpLogsRequest,
  OtlpResourceLogs,
  OtlpScopeLogs,
  OtlpValue,
} from '../../actors/distributor/otlp-api.js';
import { emptyScope } from '../../actors/distributor/otlp-api.js';
import { endOf, expectEnd, longToBigInt, readText, type Reader } from '../proto-reader.js';


/** Deepest AnyValue nesting accepted: a hostile body cannot blow the stack. */
const MAX_DEPTH = 64;

// Wire tags: field number << 3 | wire type.
const LEN = (field: number): number => (field << 3) | 2;

function fixed64(reader: Reader): bigint {
  const low = reader.fixed32();
  const high = reader.fixed32();
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

function decodeValue(reader: Reader, depth: number): OtlpValue {
  if (depth > MAX_DEPTH) throw new RangeError('proto: AnyValue nested too deeply');
  const end = endOf(reader);
  let value: OtlpValue = { empty: true };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case LEN(1): value = { string: readText(reader) }; break;
      case (2 << 3) | 0: value = { bool: reader.bool() }; break;
      case (3 << 3) | 0: value = { int: longToBigInt(reader.int64()) }; break;
      case (4 << 3) | 1: value = { double: reader.double() }; break;
      case LEN(5): value = { array: decodeRepeatedValues(reader, depth + 1) }; break;
      case LEN(6): value = { kvlist: decodeKeyValueList(reader, depth + 1) }; break;
      case LEN(7): value = { bytes: reader.bytes() }; break;
      default: reader.skipType(tag & 7);
    }
  }
  expectEnd(reader, end);
  return value;
}

/** `ArrayValue { repeated AnyValue values = 1; }` */
function decodeRepeatedValues(reader: Reader, depth: number): OtlpValue[] {
  const end = endOf(reader);
  const values: OtlpValue[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN(1)) values.push(decodeValue(reader, depth));
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return values;
}

/** `KeyValueList { repeated KeyValue values = 1; }` */
function decodeKeyValueList(reader: Reader, depth: number): OtlpKeyValue[] {
  const end = endOf(reader);
  const values: OtlpKeyValue[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN(1)) values.push(decodeKeyValue(reader, depth));
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return values;
}

function decodeKeyValue(reader: Reader, depth: number): OtlpKeyValue {
  const end = endOf(reader);
  let key = '';
  let value: OtlpValue = { empty: true };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN(1)) key = readText(reader);
    else if (tag === LEN(2)) value = decodeValue(reader, depth + 1);
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return { key, value };
}

function decodeLogRecord(reader: Reader): OtlpLogRecord {
  const end = endOf(reader);
  const record = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: { empty: true } as OtlpValue,
    attributes: [] as OtlpKeyValue[],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: new Uint8Array(0) as Uint8Array,
    spanId: new Uint8Array(0) as Uint8Array,
  };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case (1 << 3) | 1: record.timeUnixNano = fixed64(reader); break;
      case (11 << 3) | 1: record.observedTimeUnixNano = fixed64(reader); break;
      case (2 << 3) | 0: record.severityNumber = reader.int32(); break;
      case LEN(3): record.severityText = readText(reader); break;
      case LEN(5): record.body = decodeValue(reader, 0); break;
      case LEN(6): record.attributes.push(decodeKeyValue(reader, 0)); break;
      case (7 << 3) | 0: record.droppedAttributesCount = reader.uint32(); break;
      case (8 << 3) | 5: record.flags = reader.fixed32() >>> 0; break;
      case LEN(9): record.traceId = reader.bytes(); break;
      case LEN(10): record.spanId = reader.bytes(); break;
      default: reader.skipType(tag & 7);
    }
  }
  expectEnd(reader, end);
  return record;
}

function decodeScope(reader: Reader): OtlpScopeLogs['scope'] {
  const end = endOf(reader);
  const scope = { ...emptyScope(), attributes: [] as OtlpKeyValue[] };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN(1)) scope.name = readText(reader);
    else if (tag === LEN(2)) scope.version = readText(reader);
    else if (tag === LEN(3)) scope.attributes.push(decodeKeyValue(reader, 0));
    else if (tag === (4 << 3)) scope.droppedAttributesCount = reader.uint32();
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return scope;
}

function decodeScopeLogs(reader: Reader): OtlpScopeLogs {
  const end = endOf(reader);
  let scope = emptyScope();
  const logRecords: OtlpLogRecord[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN(1)) scope = decodeScope(reader);
    else if (tag === LEN(2)) logRecords.push(decodeLogRecord(reader));
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return { scope, logRecords };
}

function decodeResource(reader: Reader): OtlpKeyValue[] {
  const end = endOf(reader);
  const attributes: OtlpKeyValue[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN(1)) attributes.push(decodeKeyValue(reader, 0));
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return attributes;
}

function decodeResourceLogs(reader: Reader): OtlpResourceLogs {
  const end = endOf(reader);
  let attributes: OtlpKeyValue[] = [];
  const scopeLogs: OtlpScopeLogs[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN(1)) attributes = decodeResource(reader);
    else if (tag === LEN(2)) scopeLogs.push(decodeScopeLogs(reader));
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return { resource: { attributes }, scopeLogs };
}

/** Decodes an `ExportLogsServiceRequest`; throws on malformed bytes. */
export function decodeOtlpLogsProto(bytes: Uint8Array): OtlpLogsRequest {
  const reader = protobuf.Reader.create(bytes);
  const resourceLogs: OtlpResourceLogs[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === LEN(1)) resourceLogs.push(decodeResourceLogs(reader));
    else reader.skipType(tag & 7);
  }
  return { resourceLogs };
}

/** `ExportLogsServiceResponse`: empty on full success, `partial_success` otherwise. */
export function encodeExportResponseProto(rejected: number, message: string): Uint8Array {
  const writer = protobuf.Writer.create();
  if (rejected > 0 || message !== '') {
    writer.uint32(LEN(1)).fork();
    if (rejected > 0) writer.uint32(1 << 3).int64(rejected);
    if (message !== '') writer.uint32(LEN(2)).string(message);
    writer.ldelim();
  }
  return writer.finish();
}

/** `google.rpc.Status { int32 code = 1; string message = 2; }` */
export function encodeStatusProto(code: number, message: string): Uint8Array {
  const writer = protobuf.Writer.create();
  if (code !== 0) writer.uint32(1 << 3).int32(code);
  if (message !== '') writer.uint32(LEN(2)).string(message);
  return writer.finish();
}

export interface EncodableLogRecord {
  readonly timeUnixNano: bigint;
  readonly body: string;
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly traceId?: Uint8Array;
  readonly spanId?: Uint8Array;
}

function writeStringAttributes(writer: protobuf.Writer, field: number, attributes: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(attributes)) {
    writer.uint32(LEN(field)).fork();
    writer.uint32(LEN(1)).string(key);
    writer.uint32(LEN(2)).fork().uint32(LEN(1)).string(value).ldelim();
    writer.ldelim();
  }
}

/** Encodes a small `ExportLogsServiceRequest` with string attributes, for tests and tools. */
export function encodeOtlpLogsProto(resource: Readonly<Record<string, string>>, records: readonly EncodableLogRecord[]): Uint8Array {
  const writer = protobuf.Writer.create();
  writer.uint32(LEN(1)).fork();
  writer.uint32(LEN(1)).fork();
  writeStringAttributes(writer, 1, resource);
  writer.ldelim();
  writer.uint32(LEN(2)).fork();
  for (const record of records) {
    writer.uint32(LEN(2)).fork();
    const ts = record.timeUnixNano;
    writer.uint32((1 << 3) | 1).fixed32(Number(ts & 0xffffffffn)).fixed32(Number(ts >> 32n));
    if (record.severityNumber !== undefined) writer.uint32(2 << 3).int32(record.severityNumber);
    if (record.severityText !== undefined) writer.uint32(LEN(3)).string(record.severityText);
    writer.uint32(LEN(5)).fork().uint32(LEN(1)).string(record.body).ldelim();
    writeStringAttributes(writer, 6, record.attributes ?? {});
    if (record.traceId !== undefined) writer.uint32(LEN(9)).bytes(record.traceId);
    if (record.spanId !== undefined) writer.uint32(LEN(10)).bytes(record.spanId);
    writer.ldelim();
  }
  writer.ldelim();
  writer.ldelim();
  return writer.finish();
}
