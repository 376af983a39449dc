// The one validation of what a client sends, whatever the door (HTTP push, OTLP, the NATS
// producer endpoint): tenants, label sets, lines and structured metadata, with Loki's own
// messages, so clients and operators see the words they already know. The distributor calls it
// on every push, so a door cannot skip it; doors only decode.
//
// Text is normalised here, once: a lone UTF-16 surrogate (a JS shipper cutting a string in the
// middle of an emoji) becomes one U+FFFD, as Go's decoders do for Loki. Every later copy (WAL,
// chunk, handoff, answer) then holds the same, well-formed string.

import { parseLabels } from '../../logql/mod.js';
import { formatNs, labelsFromRecord, labelsToString, type Entry, type Labels } from '../../core/model.js';
import type { LimitsConfig } from '../../core/limits.js';
import { tenantIdProblem } from '../../storage/mod.js';
import { NornError } from '../../core/errors.js';

export class ValidationError extends NornError {
  constructor(message: string) {
    super('VALIDATION', message);
  }
}


/** Throws Loki's 401 `no org id` for an empty tenant and 400 for one Loki would refuse. */
export function validateTenant(tenant: string): void {
  if (tenant === '') throw new NornError('HTTP_NO_ORG_ID', 'no org id');
  const problem = tenantIdProblem(tenant);
  if (problem !== undefined) throw new ValidationError(problem);
}

type WellFormed = { isWellFormed?(): boolean; toWellFormed?(): string };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every lone surrogate replaced by one U+FFFD; the same string when well formed. */
export function wellFormed(text: string): string {
  const native = text as unknown as WellFormed;
  if (native.isWellFormed !== undefined) return native.isWellFormed() ? text : native.toWellFormed!();
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

export interface ValidStream {
  readonly labels: Labels;
  readonly labelString: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parsed label strings, kept because clients send the same few streams over and over. */
const labelCache = new Map<string, ValidStream>();
const LABEL_CACHE_MAX = 50_000;

/** Parses and checks a stream's labels; throws ValidationError with Loki's message. */
export function validateLabels(input: string | Readonly<Record<string, string>>, limits: LimitsConfig): ValidStream {
  const text = typeof input === 'string' ? input : recordToText(input);
  const cached = labelCache.get(text);
  if (cached !== undefined) return cached;

  let labels: Labels;
  if (typeof input === 'string') {
    try {
      labels = parseLabels(input);
    } catch (error) {
      throw new ValidationError(`error parsing labels '${input}': ${(error as Error).message}`);
    }
    labels = labels.map(({ name, value }) => ({ name, value: wellFormed(value) }));
  } else {
    for (const [name, value] of Object.entries(input)) {
      if (!LABEL_NAME.test(name)) {
        throw new ValidationError(`error parsing labels '${text}': invalid label name '${name}'`);
      }
      // A producer's map may carry any msgpack value; only strings are label values.
      if (typeof value !== 'string') {
        throw new ValidationError(`error parsing labels '${text}': label '${name}' has a ${typeof value} value, expected a string`);
      }
    }
    labels = labelsFromRecord(input).map(({ name, value }) => ({ name, value: wellFormed(value) }));
  }
  const labelString = labelsToString(labels);
  if (labels.length === 0) throw new ValidationError('error at least one label pair is required per stream');
  if (labels.length > limits.maxLabelNamesPerSeries) {
    throw new ValidationError(`entry for stream '${labelString}' has ${labels.length} label names; limit ${limits.maxLabelNamesPerSeries}`);
  }
  let previous = '';
  for (const { name, value } of labels) {
    if (name.length > limits.maxLabelNameLength) {
      throw new ValidationError(`stream '${labelString}' has label name too long: '${name}'`);
    }
    if (value.length > limits.maxLabelValueLength) {
      throw new ValidationError(`stream '${labelString}' has label value too long: '${value}'`);
    }
    if (name === previous) throw new ValidationError(`stream '${labelString}' has duplicate label name: '${name}'`);
    previous = name;
  }
  const valid = { labels, labelString };
  if (labelCache.size >= LABEL_CACHE_MAX) labelCache.clear();
  labelCache.set(text, valid);
  return valid;
}

function recordToText(record: Readonly<Record<string, string>>): string {
  let text = '{';
  for (const [name, value] of Object.entries(record)) text += `${name}=${typeof value === 'string' ? JSON.stringify(value) : String(value)},`;
  return text + '}';
}

/** What validateEntries keeps: the entries to write and the bytes they count against limits. */
export interface ValidEntries {
  readonly accepted: Entry[];
  readonly errors: string[];
  /** Line bytes plus structured-metadata bytes (names and values) of the accepted entries. */
  readonly bytes: number;
}

/**
 * Splits a stream's entries into those Loki would accept and messages for the rest: too old,
 * too new, too long a line, too much or too many structured metadata. Accepted entries come
 * back with well-formed text.
 */
export function validateEntries(
  entries: readonly Entry[],
  labelString: string,
  limits: LimitsConfig,
  nowMs: number,
): ValidEntries {
  const oldest = limits.rejectOldSamplesMaxAgeMs > 0 ? BigInt(nowMs - limits.rejectOldSamplesMaxAgeMs) * 1_000_000n : -1n;
  const newest = BigInt(nowMs + limits.creationGracePeriodMs) * 1_000_000n;
  const maxLine = limits.maxLineSizeBytes;
  const errors: string[] = [];
  let accepted: Entry[] | undefined;
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    let entry = entries[i]!;
    let error: string | undefined;
    if (typeof entry.line !== 'string') {
      error = `entry for stream '${labelString}' has a line that is not a string`;
    } else if (entry.ts < oldest) {
      error = `entry for stream '${labelString}' has timestamp too old: ${formatNs(entry.ts)}, oldest acceptable timestamp is: ${formatNs(oldest)}`;
    } else if (entry.ts > newest) {
      error = `entry for stream '${labelString}' has timestamp too new: ${formatNs(entry.ts)}`;
    } else if (maxLine > 0 && entry.line.length * 3 > maxLine) {
      // Only lines that might be too long pay for counting their UTF-8 bytes.
      const length = Buffer.byteLength(entry.line, 'utf8');
      if (length > maxLine) {
        error = `Max entry size '${maxLine}' bytes exceeded for stream '${labelString}' while adding an entry with length '${length}' bytes`;
      }
    }
    let metadataBytes = 0;
    if (error === undefined && entry.metadata !== undefined && entry.metadata.length > 0) {
      const checked = checkMetadata(entry.metadata, labelString, limits);
      if (typeof checked === 'string') error = checked;
      else metadataBytes = checked.bytes;
      if (typeof checked !== 'string' && checked.metadata !== entry.metadata) entry = { ...entry, metadata: checked.metadata };
    }
    if (error === undefined) {
      const line = wellFormed(entry.line);
      if (line !== entry.line) entry = { ...entry, line };
      bytes += entry.line.length + metadataBytes;
    }
    const changed = entry !== entries[i];
    if (error !== undefined) {
      errors.push(error);
      accepted ??= entries.slice(0, i);
    } else if (accepted !== undefined) {
      accepted.push(entry);
    } else if (changed) {
      accepted = entries.slice(0, i);
      accepted.push(entry);
    }
  }
  return { accepted: accepted ?? (entries as Entry[]), errors, bytes };
}

/** Loki's per-entry structured-metadata caps (0 = no limit); the metadata, well formed, and its size. */
function checkMetadata(
  metadata: Labels,
  labelString: string,
  limits: LimitsConfig,
): string | { metadata: Labels; bytes: number } {
  const maxCount = limits.maxStructuredMetadataEntriesCount;
  if (maxCount > 0 && metadata.length > maxCount) {
    return `stream '${labelString}' has too many structured metadata labels: '${metadata.length}', limit: '${maxCount}'. Please see \`limits_config.max_structured_metadata_entries_count\` or contact your Loki administrator to increase it.`;
  }
  let size = 0;
  let copy: Array<{ name: string; value: string }> | undefined;
  for (let i = 0; i < metadata.length; i++) {
    const { name, value } = metadata[i]!;
    if (typeof name !== 'string' || typeof value !== 'string') {
      return `stream '${labelString}' has structured metadata '${String(name)}' whose value is not a string`;
    }
    size += name.length + value.length;
    const cleanName = wellFormed(name);
    const cleanValue = wellFormed(value);
    if (copy === undefined && (cleanName !== name || cleanValue !== value)) copy = metadata.slice(0, i).map((pair) => ({ ...pair }));
    copy?.push({ name: cleanName, value: cleanValue });
  }
  const maxSize = limits.maxStructuredMetadataSizeBytes;
  if (maxSize > 0 && size > maxSize) {
    return `stream '${labelString}' has structured metadata too large: '${size}' bytes, limit: '${maxSize}' bytes. Please see \`limits_config.max_structured_metadata_size\` or contact your Loki administrator to increase it.`;
  }
  return { metadata: copy ?? metadata, bytes: size };
}
