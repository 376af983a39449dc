// Alert labels and annotations are Go templates, as in Prometheus: `$labels`, `$value`,
// `$externalLabels` and `$externalURL` are defined before the text runs (Prometheus prepends the
// same definitions), and `.Labels` / `.Value` work too. The functions are LogQL's template
// functions, which include Prometheus' most used helpers' neighbours (printf, title, toUpper...).

import { compileTemplate, type CompiledTemplate } from '../../logql/log/template/exec.js';
import type { Value } from '../../logql/log/template/values.js';

const HEADER = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

export interface TemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly externalUrl: string;
}

/** Parses a label or annotation template; throws the template's syntax error. */
export function parseAlertTemplate(text: string, name: string): CompiledTemplate {
  try {
    return compileTemplate(text.includes('{{') ? HEADER + text : text, name);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.startsWith('template: ') ? message : `template: ${name}:1: ${message}`, { cause: error });
  }
}

/** Expands a template; a failing one yields Prometheus' `<error expanding template: ...>` text. */
export function expandTemplate(template: CompiledTemplate, data: TemplateData, tsNs: bigint): string {
  if (template.constant !== undefined) return template.constant;
  const root: Record<string, Value> = {
    Labels: { ...data.labels },
    Value: data.value,
    ExternalLabels: { ...data.externalLabels },
    ExternalURL: data.externalUrl,
  };
  try {
    return template.executeData(root, { line: '', ts: tsNs });
  } catch (error) {
    return `<error expanding template: ${error instanceof Error ? error.message : String(error)}>`;
  }
}
