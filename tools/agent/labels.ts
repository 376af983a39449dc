// A stream's labels in Loki's push form, `{a="x", b="y"}`: names sorted, values quoted.

export function labelsKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).filter((name) => labels[name] !== '').sort();
  return `{${names.map((name) => `${name}=${JSON.stringify(labels[name])}`).join(', ')}}`;
}
