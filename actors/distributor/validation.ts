// Loki's distributor validation: label sets and entries, with Loki's own messages, so clients
// and operators see the words they already know.

import { parseLabels } from '../../logql/mod.js';
import { labelsFromRecord, labelsToString, type Entry, type Labels } from '../../core/model.js';
import type { LimitsConfig } from '../../core/limits.js';
import { formatNs } from '../ingester/stream.js';
import { StatusError } from '../../core/errors.js';

export class ValidationError extends StatusError {
  constructor(message: string) {
    super('VALIDATION', 400, message);
  }
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
  } else {
    for (const name of Object.keys(input)) {
      if (!LABEL_NAME.test(name)) {
        throw new ValidationError(`error parsing labels '${text}': invalid label name '${name}'`);
      }
    }
    labels = labelsFromRecord(input);
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
  for (const [name, value] of Object.entries(record)) text += `${name}=${JSON.stringify(value)},`;
  return text + '}';
}

/**
 * Splits a stream's entries into those Loki would accept and messages for the rest: too old,
 * too new, or too long a line.
 */
export function validateEntries(
  entries: readonly Entry[],
  labelString: string,
  limits: LimitsConfig,
  nowMs: number,
): { accepted: Entry[]; errors: string[] } {
  const oldest = limits.rejectOldSamplesMaxAgeMs > 0 ? BigInt(nowMs - limits.rejectOldSamplesMaxAgeMs) * 1_000_000n : -1n;
  const newest = BigInt(nowMs + limits.creationGracePeriodMs) * 1_000_000n;
  const maxLine = limits.maxLineSizeBytes;
  const errors: string[] = [];
  let accepted: Entry[] | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    let error: string | undefined;
    if (entry.ts < oldest) {
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
    if (error !== undefined) {
      errors.push(error);
      accepted ??= entries.slice(0, i);
    } else if (accepted !== undefined) {
      accepted.push(entry);
    }
  }
  return { accepted: accepted ?? (entries as Entry[]), errors };
}
