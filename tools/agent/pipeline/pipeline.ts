// A file's pipeline: the scrape config's stages, in order, built once per followed file (the
// multiline stage holds per-file state). Entries that leave the last stage go to `sink`.

import { AgentConfigError } from '../errors.js';
import type { Emit, OnDrop, PipelineEntry, Stage } from './entry.js';
import { dropStage, labelDropStage, labelsStage, outputStage, staticLabelsStage, timestampStage } from './entry-stages.js';
import { multilineStage } from './multiline.js';
import { jsonStage, logfmtStage, regexStage } from './parse-stages.js';

export const STAGE_NAMES = ['regex', 'json', 'logfmt', 'labels', 'static_labels', 'labeldrop', 'labelallow', 'timestamp', 'output', 'drop', 'multiline'] as const;

export interface PipelineClock {
  nowMs(): number;
  nowNs(): bigint;
}

export function buildStages(rawStages: readonly unknown[], where: string, onDrop: OnDrop, clock: PipelineClock): Stage[] {
  return rawStages.map((rawStage, i) => {
    const at = `${where}[${i}]`;
    if (rawStage === null || typeof rawStage !== 'object' || Array.isArray(rawStage)) throw new AgentConfigError(`${at}: expected a mapping with one stage, e.g. - regex: {expression: ...}`);
    const entries = Object.entries(rawStage as Record<string, unknown>);
    if (entries.length !== 1) throw new AgentConfigError(`${at}: expected exactly one stage name, got ${entries.map(([k]) => k).join(', ') || 'none'}`);
    const [name, value] = entries[0]!;
    const settings = (value ?? {}) as Record<string, unknown>;
    const stageWhere = `${at}.${name}`;
    switch (name) {
      case 'regex': return regexStage(settings, stageWhere);
      case 'json': return jsonStage(settings, stageWhere);
      case 'logfmt': return logfmtStage(settings, stageWhere);
      case 'labels': return labelsStage(settings, stageWhere);
      case 'static_labels': return staticLabelsStage(settings, stageWhere);
      case 'labeldrop': return labelDropStage(value, stageWhere, false);
      case 'labelallow': return labelDropStage(value, stageWhere, true);
      case 'timestamp': return timestampStage(settings, stageWhere);
      case 'output': return outputStage(settings, stageWhere);
      case 'drop': return dropStage(settings, stageWhere, onDrop, () => clock.nowNs());
      case 'multiline': return multilineStage(settings, stageWhere, () => clock.nowMs());
      default:
        throw new AgentConfigError(`${at}: unknown stage ${JSON.stringify(name)} (known: ${STAGE_NAMES.join(', ')})`);
    }
  });
}

export class Pipeline {
  private readonly chain: Emit[];

  constructor(
    private readonly stages: readonly Stage[],
    sink: Emit,
  ) {
    // chain[i] feeds stage i; chain[stages.length] is the sink.
    this.chain = new Array<Emit>(stages.length + 1);
    this.chain[stages.length] = sink;
    for (let i = stages.length - 1; i >= 0; i--) {
      const stage = stages[i]!;
      const next = this.chain[i + 1]!;
      this.chain[i] = (entry) => stage.process(entry, next);
    }
  }

  push(entry: PipelineEntry): void {
    this.chain[0]!(entry);
  }

  /** Releases held entries that waited long enough (or all of them, with `force`). */
  flush(nowMs: number, force = false): void {
    this.stages.forEach((stage, i) => stage.flush?.(nowMs, this.chain[i + 1]!, force));
  }
}
