// Loki's JSON push bodies.
//   v1 (`/loki/api/v1/push`): {"streams":[{"stream":{"app":"x"},"values":[["<ns>","line",{"k":"v"}]]}]}
//   legacy (`/api/prom/push`): {"streams":[{"labels":"{app=\"x\"}","entries":[{"ts":"<RFC3339>","line":"..."}]}]}
// As in Loki, unknown keys are ignored and `null` values or entries are skipped.

import type { PushStreamInput } from '../actors/distributor/api.js';
import { labelsFromRecord, type Entry } from '../core/model.js';
import { parseGoInt64 } from '../core/go/mod.js';
import { HttpError } from './errors.js';
import { parseRfc3339 } from './time-format.js';

/** A JSON body Loki would refuse: a 400 with Loki's message. */
export class PushJsonError extends HttpError {
  constructor(message: string) {
    super('HTTP_BAD_REQUEST', message);
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: Json | undefined): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function parse(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new PushJsonError(`invalid JSON: ${(error as Error).message}`);
  }
}

function streamsOf(body: Json): Json[] {
  if (!isObject(body)) throw new PushJsonError(`push request must be a JSON object, got ${kind(body)}`);
  const streams = body['streams'];
  if (streams === undefined || streams === null) return [];
  if (!Array.isArray(streams)) throw new PushJsonError(`"streams" must be an array, got ${kind(streams)}`);
  return streams;
}

function stringMap(value: Json, where: string): Record<string, string> {
  if (!isObject(value)) throw new PushJsonError(`${where} must be an object of strings, got ${kind(value)}`);
  const record: Record<string, string> = {};
  for (const [name, labelValue] of Object.entries(value)) {
    if (typeof labelValue !== 'string') throw new PushJsonError(`${where}: value of ${JSON.stringify(name)} must be a string, got ${kind(labelValue)}`);
    record[name] = labelValue;
  }
  return record;
}

function decodeValue(value: Json, where: string): Entry {
  if (!Array.isArray(value)) throw new PushJsonError(`${where} must be an array ["<unix ns>", "<line>"], got ${kind(value)}`);
  if (value.length < 2 || value.length > 3) throw new PushJsonError(`${where} must hold 2 or 3 elements, got ${value.length}`);
  const [ts, line, metadata] = value;
  if (typeof ts !== 'string') throw new PushJsonError(`${where}[0]: timestamp must be a string of unix nanoseconds, got ${kind(ts)}`);
  if (typeof line !== 'string') throw new PushJsonError(`${where}[1]: line must be a string, got ${kind(line)}`);
  let nanos: bigint;
  try {
    nanos = parseGoInt64(ts);
  } catch (error) {
    throw new PushJsonError(`${where}[0]: ${(error as Error).message}`);
  }
  if (metadata === undefined || metadata === null) return { ts: nanos, line };
  const record = stringMap(metadata, `${where}[2] (structured metadata)`);
  const labels = labelsFromRecord(record);
  return labels.length === 0 ? { ts: nanos, line } : { ts: nanos, line, metadata: labels };
}

/**
 * Walks a push body's streams, skipping `null` ones, and each stream's list under `listKey`
 * (`values` or `entries`), skipping `null` items: what both JSON formats share.
 */
function decodeStreams<L>(
  text: string,
  listKey: string,
  labelsOf: (stream: { [key: string]: Json }, where: string) => L,
  entryOf: (item: Json, where: string) => Entry,
): { labels: L; entries: Entry[] }[] {
  const streams = streamsOf(parse(text));
  const out: { labels: L; entries: Entry[] }[] = [];
  for (let i = 0; i < streams.length; i++) {
    const stream = streams[i]!;
    if (stream === null) continue;
    if (!isObject(stream)) throw new PushJsonError(`streams[${i}] must be an object, got ${kind(stream)}`);
    const labels = labelsOf(stream, `streams[${i}]`);
    const list = stream[listKey];
    const entries: Entry[] = [];
    if (list !== undefined && list !== null) {
      if (!Array.isArray(list)) throw new PushJsonError(`streams[${i}].${listKey} must be an array, got ${kind(list)}`);
      for (let j = 0; j < list.length; j++) {
        const item = list[j]!;
        if (item !== null) entries.push(entryOf(item, `streams[${i}].${listKey}[${j}]`));
      }
    }
    out.push({ labels, entries });
  }
  return out;
}

/** Decodes a v1 JSON push body. */
export function decodeJsonPush(text: string): PushStreamInput[] {
  return decodeStreams(text, 'values', (stream, where) => stringMap(stream['stream'] ?? {}, `${where}.stream`), decodeValue);
}

function decodeLegacyEntry(entry: Json, where: string): Entry {
  if (!isObject(entry)) throw new PushJsonError(`${where} must be an object, got ${kind(entry)}`);
  const ts = entry['ts'] ?? entry['timestamp'];
  const line = entry['line'] ?? '';
  if (typeof ts !== 'string') throw new PushJsonError(`${where}.ts must be an RFC 3339 string, got ${kind(ts)}`);
  if (typeof line !== 'string') throw new PushJsonError(`${where}.line must be a string, got ${kind(line)}`);
  const nanos = parseRfc3339(ts);
  if (nanos === undefined) throw new PushJsonError(`${where}.ts: cannot parse ${JSON.stringify(ts)} as RFC 3339`);
  return { ts: nanos, line };
}

/** Decodes the legacy JSON push body (`/api/prom/push`), timestamps in RFC 3339. */
export function decodeLegacyJsonPush(text: string): PushStreamInput[] {
  return decodeStreams(
    text,
    'entries',
    (stream, where) => {
      const labels = stream['labels'] ?? '';
      if (typeof labels !== 'string') throw new PushJsonError(`${where}.labels must be a string, got ${kind(labels)}`);
      return labels;
    },
    decodeLegacyEntry,
  );
}
