// `line_format` and `label_format`: Go-template formatting of the line and of labels. A template
// that fails at run time leaves the line as it was and sets `__error__=TemplateFormatErr`; one that
// would build more than a template may (values.ts MAX_TEMPLATE_OUTPUT) fails the query.

import { LogQLError, LogQLParseError } from '../errors.js';
import type { LabelFormatEntry } from '../syntax/ast.js';
import type { LabelsBuilder } from './labels-builder.js';
import type { StageFn } from './stage.js';
import { compileTemplate, type CompiledTemplate } from './template/exec.js';

export const ERR_TEMPLATE_FORMAT = 'TemplateFormatErr';

function labelMap(lb: LabelsBuilder): Map<string, string> {
  const map = new Map<string, string>();
  for (const name of lb.names()) map.set(name, lb.filterValue(name));
  return map;
}

export function lineFormatStage(template: string): StageFn {
  let compiled: CompiledTemplate;
  try {
    compiled = compileTemplate(template, 'line');
  } catch (error) {
    throw new LogQLParseError(`invalid line template: ${(error as Error).message}`);
  }
  if (compiled.constant !== undefined) {
    const text = compiled.constant;
    return () => text;
  }
  return (line, lb, ts) => {
    try {
      return compiled.execute(labelMap(lb), { line, ts });
    } catch (error) {
      if (error instanceof LogQLError) throw error;
      lb.setError(ERR_TEMPLATE_FORMAT, (error as Error).message);
      return line;
    }
  };
}

export function labelFormatStage(formats: readonly LabelFormatEntry[]): StageFn {
  const seen = new Set<string>();
  for (const f of formats) {
    if (f.name === '__error__') throw new LogQLParseError(`${f.name} cannot be formatted`);
    if (seen.has(f.name)) throw new LogQLParseError(`multiple label name '${f.name}' not allowed in a single format operation`);
    seen.add(f.name);
  }
  const compiled = formats.map((f) => {
    if (f.rename) return { f, template: undefined };
    try {
      return { f, template: compileTemplate(f.value, 'label') };
    } catch (error) {
      throw new LogQLParseError(`invalid template for label '${f.name}': ${(error as Error).message}`);
    }
  });
  return (line, lb, ts) => {
    let data: Map<string, string> | undefined;
    for (const { f, template } of compiled) {
      if (template === undefined) {
        const value = lb.get(f.value);
        if (value !== undefined) {
          lb.set(f.name, value);
          lb.delete(f.value);
        }
        continue;
      }
      data ??= labelMap(lb);
      try {
        lb.set(f.name, template.execute(data, { line, ts }));
      } catch (error) {
        if (error instanceof LogQLError) throw error;
        lb.setError(ERR_TEMPLATE_FORMAT, (error as Error).message);
      }
    }
    return line;
  };
}
