// Label sets as logcli shows them: `{a="1", b="2"}` in name order, the labels every stream of a
// result shares taken out once ("Common labels"), and --include-label/--exclude-label applied.

export type LabelSet = Readonly<Record<string, string>>;

export function labelString(labels: LabelSet): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((name) => `${name}=${JSON.stringify(labels[name])}`).join(', ')}}`;
}

/** The labels (name and value) that every set shares: all of them for a single stream. */
export function commonLabels(sets: readonly LabelSet[]): Record<string, string> {
  if (sets.length === 0) return {};
  const common: Record<string, string> = { ...sets[0]! };
  for (const set of sets.slice(1)) {
    for (const name of Object.keys(common)) if (set[name] !== common[name]) delete common[name];
  }
  return common;
}

export interface LabelFilter {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** The labels to print for one stream: without the common ones, filtered by the flags. */
export function shownLabels(labels: LabelSet, common: LabelSet, filter: LabelFilter): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (filter.include.length > 0) {
      if (filter.include.includes(name)) shown[name] = value;
      continue;
    }
    if (common[name] === value || filter.exclude.includes(name)) continue;
    shown[name] = value;
  }
  return shown;
}
