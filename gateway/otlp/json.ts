// OTLP/HTTP JSON, per OTLP's JSON mapping of the protobuf messages: lowerCamelCase field names
// (the proto's own snake_case names are accepted too, as protobuf's JSON readers do), 64-bit
// integers as decimal strings or numbers, enums as numbers or names, `traceId` / `spanId` as
// hex (not base64), `bytesValue` as base64. Unknown fields are ignored.

import type {
  OtlpKeyValue,
  OtlpLogRecord,
  OtlpLogsRequest,
  OtlpResourceLogs,
  OtlpScopeLogs,
  OtlpValue,
} from '../../actors/distributor/otlp-api.js';
import { emptyScope } from '../../actors/distributor/otlp-api.js';

export class OtlpJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpJsonError';
  }
}

const MAX_DEPTH = 64;
type Json = Record<string, unknown>;

/** A field by its JSON name or its proto name. */
function field(object: Json, camel: string): unknown {
  if (camel in object) return object[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
  return object[snake];
}

function asObject(value: unknown, what: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new OtlpJsonError(`${what}: expected an object`);
  return value as Json;
}

function asArray(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpJsonError(`${what}: expected an array`);
  return value;
}

function asString(value: unknown, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new OtlpJsonError(`${what}: expected a string`);
  return value;
}

/** 64-bit integers: a decimal string or a JSON number. */
function asBigInt(value: unknown, what: string, unsigned: boolean): bigint {
  if (value === undefined || value === null) return 0n;
  let result: bigint;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  else throw new OtlpJsonError(`${what}: expected an integer, got ${JSON.stringify(value)}`);
  if (unsigned && result < 0n) throw new OtlpJsonError(`${what}: expected an unsigned integer`);
  return result;
}

function asInt32(value: unknown, what: string): number {
  return Number(asBigInt(value, what, false));
}

const SEVERITY_NAMES = ['UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'INFO', 'INFO2',
  'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4', 'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4'];

function severityNumber(value: unknown): number {
  if (typeof value === 'string' && value.startsWith('SEVERITY_NUMBER_')) {
    const index = SEVERITY_NAMES.indexOf(value.slice('SEVERITY_NUMBER_'.length));
    if (index === -1) throw new OtlpJsonError(`logRecord.severityNumber: unknown value ${JSON.stringify(value)}`);
    return index;
  }
  return asInt32(value, 'logRecord.severityNumber');
}

function hexId(value: unknown, bytes: number, what: string): Uint8Array {
  const text = asString(value, what);
  if (text === '') return new Uint8Array(0);
  if (text.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(text)) {
    throw new OtlpJsonError(`${what}: invalid length for ID, expected ${bytes * 2} hex characters`);
  }
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function decodeValue(raw: unknown, depth: number): OtlpValue {
  if (depth > MAX_DEPTH) throw new OtlpJsonError('AnyValue nested too deeply');
  const object = asObject(raw, 'value');
  if (field(object, 'stringValue') !== undefined) return { string: asString(field(object, 'stringValue'), 'stringValue') };
  if (field(object, 'boolValue') !== undefined) {
    const value = field(object, 'boolValue');
    if (typeof value !== 'boolean') throw new OtlpJsonError('boolValue: expected a boolean');
    return { bool: value };
  }
  if (field(object, 'intValue') !== undefined) return { int: asBigInt(field(object, 'intValue'), 'intValue', false) };
  if (field(object, 'doubleValue') !== undefined) {
    const value = field(object, 'doubleValue');
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number !== 'number' || (typeof value === 'string' && Number.isNaN(number) && value !== 'NaN')) {
      throw new OtlpJsonError('doubleValue: expected a number');
    }
    return { double: number };
  }
  if (field(object, 'bytesValue') !== undefined) {
    return { bytes: new Uint8Array(Buffer.from(asString(field(object, 'bytesValue'), 'bytesValue'), 'base64')) };
  }
  if (field(object, 'arrayValue') !== undefined) {
    const values = asArray(asObject(field(object, 'arrayValue'), 'arrayValue').values, 'arrayValue.values');
    return { array: values.map((value) => decodeValue(value, depth + 1)) };
  }
  if (field(object, 'kvlistValue') !== undefined) {
    const values = asArray(asObject(field(object, 'kvlistValue'), 'kvlistValue').values, 'kvlistValue.values');
    return { kvlist: values.map((value) => decodeKeyValue(value, depth + 1)) };
  }
  return { empty: true };
}

function decodeKeyValue(raw: unknown, depth: number): OtlpKeyValue {
  const object = asObject(raw, 'attribute');
  return { key: asString(object.key, 'attribute.key'), value: decodeValue(object.value, depth + 1) };
}

function decodeAttributes(raw: unknown): OtlpKeyValue[] {
  return asArray(raw, 'attributes').map((value) => decodeKeyValue(value, 0));
}

function decodeLogRecord(raw: unknown): OtlpLogRecord {
  const object = asObject(raw, 'logRecord');
  return {
    timeUnixNano: asBigInt(field(object, 'timeUnixNano'), 'logRecord.timeUnixNano', true),
    observedTimeUnixNano: asBigInt(field(object, 'observedTimeUnixNano'), 'logRecord.observedTimeUnixNano', true),
    severityNumber: severityNumber(field(object, 'severityNumber')),
    severityText: asString(field(object, 'severityText'), 'logRecord.severityText'),
    body: decodeValue(object.body, 0),
    attributes: decodeAttributes(object.attributes),
    droppedAttributesCount: asInt32(field(object, 'droppedAttributesCount'), 'logRecord.droppedAttributesCount'),
    flags: asInt32(object.flags, 'logRecord.flags'),
    traceId: hexId(field(object, 'traceId'), 16, 'logRecord.traceId'),
    spanId: hexId(field(object, 'spanId'), 8, 'logRecord.spanId'),
  };
}

function decodeScopeLogs(raw: unknown): OtlpScopeLogs {
  const object = asObject(raw, 'scopeLogs');
  const scopeObject = field(object, 'scope');
  let scope = emptyScope();
  if (scopeObject !== undefined && scopeObject !== null) {
    const s = asObject(scopeObject, 'scope');
    scope = {
      name: asString(s.name, 'scope.name'),
      version: asString(s.version, 'scope.version'),
      attributes: decodeAttributes(s.attributes),
      droppedAttributesCount: asInt32(field(s, 'droppedAttributesCount'), 'scope.droppedAttributesCount'),
    };
  }
  return { scope, logRecords: asArray(field(object, 'logRecords'), 'logRecords').map(decodeLogRecord) };
}

function decodeResourceLogs(raw: unknown): OtlpResourceLogs {
  const object = asObject(raw, 'resourceLogs');
  const resource = asObject(object.resource, 'resource');
  return {
    resource: { attributes: decodeAttributes(resource.attributes) },
    scopeLogs: asArray(field(object, 'scopeLogs'), 'scopeLogs').map(decodeScopeLogs),
  };
}

/** Decodes an `ExportLogsServiceRequest` in OTLP's JSON form; throws OtlpJsonError on bad input. */
export function decodeOtlpLogsJson(text: string): OtlpLogsRequest {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new OtlpJsonError(`invalid JSON: ${(error as Error).message}`);
  }
  const object = asObject(document, 'request');
  return { resourceLogs: asArray(field(object, 'resourceLogs'), 'resourceLogs').map(decodeResourceLogs) };
}
