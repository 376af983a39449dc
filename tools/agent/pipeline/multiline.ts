// The multiline stage: a line matching `firstline` starts a block, the lines after it join the
// block (with "\n") until the next first line, `max_lines`, or `max_wait_time` without a new
// line. A block keeps the first line's time and labels and stands for all its lines' ids.

import { RE2JS } from 're2js';
import { durationMs } from '../durations.js';
import { AgentConfigError } from '../errors.js';
import type { Emit, PipelineEntry, Stage } from './entry.js';

export function multilineStage(raw: Record<string, unknown>, where: string, nowMs: () => number): Stage {
  const firstline = raw['firstline'];
  if (typeof firstline !== 'string') throw new AgentConfigError(`${where}.firstline: the regular expression a block's first line matches`);
  const re = RE2JS.compile(firstline);
  const maxWaitMs = durationMs(raw['max_wait_time'] ?? '3s', `${where}.max_wait_time`);
  const maxLines = Number(raw['max_lines'] ?? 128);
  if (!Number.isInteger(maxLines) || maxLines < 1) throw new AgentConfigError(`${where}.max_lines: expected a positive integer`);
  let block: PipelineEntry | undefined;
  let lines = 0;
  let lastMs = 0;
  const release = (emit: Emit): void => {
    if (block === undefined) return;
    const done = block;
    block = undefined;
    lines = 0;
    emit(done);
  };
  return {
    name: 'multiline',
    process(entry, emit) {
      lastMs = nowMs();
      if (re.matcher(entry.line).find()) {
        release(emit);
        block = entry;
        lines = 1;
      } else if (block === undefined) {
        // A line before any first line (the file started mid-block): a block of its own.
        block = entry;
        lines = 1;
      } else {
        block.line += `\n${entry.line}`;
        block.ids.push(...entry.ids);
        lines++;
      }
      if (lines >= maxLines) release(emit);
    },
    flush(now, emit, force) {
      if (block !== undefined && (force || now - lastMs >= maxWaitMs)) release(emit);
    },
  };
}
