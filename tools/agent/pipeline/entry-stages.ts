// The stages that shape the entry: labels, static_labels, labeldrop, labelallow, timestamp,
// output and drop.

import { RE2JS } from 're2js';
import { durationMs, sizeBytes } from '../durations.js';
import { AgentConfigError } from '../errors.js';
import type { OnDrop, PipelineEntry, Stage } from './entry.js';
import { isKnownZone, parseTimestamp } from './go-time.js';

type Raw = Record<string, unknown>;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkLabelName(name: string, where: string): void {
  if (!LABEL_NAME.test(name)) throw new AgentConfigError(`${where}: ${JSON.stringify(name)} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
}

export function labelsStage(raw: Raw, where: string): Stage {
  const pairs = Object.entries(raw).map(([label, source]) => {
    checkLabelName(label, where);
    return [label, typeof source === 'string' && source !== '' ? source : label] as const;
  });
  return {
    name: 'labels',
    process(entry, emit) {
      for (const [label, source] of pairs) {
        const value = entry.extracted[source];
        if (value !== undefined && value !== '') entry.labels[label] = value;
      }
      emit(entry);
    },
  };
}

export function staticLabelsStage(raw: Raw, where: string): Stage {
  const pairs = Object.entries(raw).map(([label, value]) => {
    checkLabelName(label, where);
    return [label, String(value ?? '')] as const;
  });
  return {
    name: 'static_labels',
    process(entry, emit) {
      for (const [label, value] of pairs) if (value !== '') entry.labels[label] = value;
      emit(entry);
    },
  };
}

export function labelDropStage(raw: unknown, where: string, allow: boolean): Stage {
  if (!Array.isArray(raw)) throw new AgentConfigError(`${where}: a list of label names`);
  const names = new Set(raw.map(String));
  return {
    name: allow ? 'labelallow' : 'labeldrop',
    process(entry, emit) {
      for (const name of Object.keys(entry.labels)) if (names.has(name) !== allow) delete entry.labels[name];
      emit(entry);
    },
  };
}

export function timestampStage(raw: Raw, where: string): Stage {
  const source = raw['source'];
  const format = raw['format'];
  if (typeof source !== 'string') throw new AgentConfigError(`${where}.source: the extracted value holding the time`);
  if (typeof format !== 'string') throw new AgentConfigError(`${where}.format: RFC3339, Unix, UnixMs, UnixUs, UnixNs or a Go layout such as "2006-01-02 15:04:05"`);
  const fallbacks = Array.isArray(raw['fallback_formats']) ? raw['fallback_formats'].map(String) : [];
  const location = raw['location'] as string | undefined;
  if (location !== undefined && !isKnownZone(location)) throw new AgentConfigError(`${where}.location: unknown time zone ${JSON.stringify(location)}`);
  const action = String(raw['action_on_failure'] ?? 'fudge');
  if (action !== 'fudge' && action !== 'skip') throw new AgentConfigError(`${where}.action_on_failure: expected fudge or skip`);
  // Lines whose time does not parse are kept at the read time, one nanosecond after the last
  // good timestamp when it is later ("fudge"), so their order survives.
  let lastNs: bigint | undefined;
  return {
    name: 'timestamp',
    process(entry, emit) {
      const value = entry.extracted[source];
      if (value !== undefined) {
        for (const candidate of [format, ...fallbacks]) {
          const ts = parseTimestamp(candidate, value, location);
          if (ts !== undefined) {
            entry.tsNs = ts;
            lastNs = ts;
            emit(entry);
            return;
          }
        }
      }
      if (action === 'fudge' && lastNs !== undefined && lastNs < entry.tsNs) {
        lastNs += 1n;
        entry.tsNs = lastNs;
      }
      emit(entry);
    },
  };
}

export function outputStage(raw: Raw, where: string): Stage {
  const source = raw['source'];
  if (typeof source !== 'string') throw new AgentConfigError(`${where}.source: the extracted value to use as the line`);
  return {
    name: 'output',
    process(entry, emit) {
      const value = entry.extracted[source];
      if (value !== undefined) entry.line = value;
      emit(entry);
    },
  };
}

export function dropStage(raw: Raw, where: string, onDrop: OnDrop, nowNs: () => bigint): Stage {
  const source = raw['source'] as string | undefined;
  const expression = raw['expression'] as string | undefined;
  const value = raw['value'] as string | undefined;
  if (expression !== undefined && value !== undefined) throw new AgentConfigError(`${where}: expression and value cannot both be set`);
  const re = expression === undefined ? undefined : RE2JS.compile(expression);
  const olderThanNs = raw['older_than'] === undefined ? undefined : BigInt(durationMs(raw['older_than'], `${where}.older_than`)) * 1_000_000n;
  const longerThan = raw['longer_than'] === undefined ? undefined : sizeBytes(raw['longer_than'], `${where}.longer_than`);
  const reason = String(raw['drop_counter_reason'] ?? 'drop_stage');
  if (source === undefined && re === undefined && value === undefined && olderThanNs === undefined && longerThan === undefined) {
    throw new AgentConfigError(`${where}: needs at least one of source, expression, value, older_than, longer_than`);
  }
  const matches = (entry: PipelineEntry): boolean => {
    if (source !== undefined || re !== undefined || value !== undefined) {
      const input = source === undefined ? entry.line : entry.extracted[source];
      if (input === undefined) return false;
      if (re !== undefined && !re.matcher(input).find()) return false;
      if (value !== undefined && input !== value) return false;
    }
    if (olderThanNs !== undefined && entry.tsNs >= nowNs() - olderThanNs) return false;
    if (longerThan !== undefined && Buffer.byteLength(entry.line) <= longerThan) return false;
    return true;
  };
  return {
    name: 'drop',
    process(entry, emit) {
      if (matches(entry)) onDrop(entry.ids, reason);
      else emit(entry);
    },
  };
}
