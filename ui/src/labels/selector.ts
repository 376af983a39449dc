// Builds a stream selector from picked label values: one value is an equality, several a regex
// alternation of the values, escaped as RE2 literals.

export type Picks = Record<string, string[]>;

export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function selectorOf(picks: Picks): string {
  const parts = Object.keys(picks)
    .sort()
    .filter((name) => picks[name]!.length > 0)
    .map((name) => {
      const values = picks[name]!;
      if (values.length === 1) return `${name}=${JSON.stringify(values[0])}`;
      return `${name}=~${JSON.stringify(values.map(escapeRegex).join('|'))}`;
    });
  return `{${parts.join(', ')}}`;
}

/** The selector `/series` needs to count `name`'s values under the other picks. */
export function seriesMatch(picks: Picks, name: string): string {
  const others: Picks = {};
  for (const [key, values] of Object.entries(picks)) if (key !== name) others[key] = values;
  const base = selectorOf(others);
  const inner = base.slice(1, -1);
  return `{${inner === '' ? '' : `${inner}, `}${name}=~".+"}`;
}
