// A plain HTML page for `GET /ring` in a browser, like Loki's ring status page: whatever the
// ring reports, its list of members becomes a table, one column per field. With `forget`, the
// table sits in a form and each member's row ends in Loki's "Forget" button, which posts
// `forget=<id>` back to the page.

/** JSON text of anything a ring or config reports; bigints become decimal strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), indent) ?? 'null';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return escapeHtml(toJson(value));
  return escapeHtml(String(value));
}

/** The rows to tabulate: the value itself when it is an array, else its first array member. */
function rowsOf(data: unknown): Record<string, unknown>[] | undefined {
  const candidate = Array.isArray(data)
    ? data
    : typeof data === 'object' && data !== null
      ? Object.values(data).find((value) => Array.isArray(value))
      : undefined;
  if (!Array.isArray(candidate)) return undefined;
  return candidate.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null);
}

export interface RingPageOptions {
  /** Each row with a string `id` gets a Forget button posting `forget=<id>` to `action`. */
  readonly forget?: { readonly action: string };
}

function forgetButton(row: Record<string, unknown>): string {
  const id = row['id'];
  if (typeof id !== 'string') return '<td></td>';
  return `<td><button name="forget" value="${escapeHtml(id)}" type="submit">Forget</button></td>`;
}

export function renderRingPage(data: unknown, title = 'Ring Status', options: RingPageOptions = {}): string {
  const rows = rowsOf(data);
  const forget = options.forget;
  let body: string;
  if (rows === undefined) {
    body = `<pre>${escapeHtml(toJson(data, 2))}</pre>`;
  } else {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    const head = columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('') + (forget !== undefined ? '<th>Actions</th>' : '');
    const lines = rows
      .map((row) => `<tr>${columns.map((column) => `<td>${cell(row[column])}</td>`).join('')}${forget !== undefined ? forgetButton(row) : ''}</tr>`)
      .join('\n');
    body = `<table border="1" cellpadding="4">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${lines}\n</tbody>\n</table>`;
    if (forget !== undefined) body = `<form action="${escapeHtml(forget.action)}" method="POST">\n${body}\n</form>`;
  }
  const now = new Date().toISOString();
  return (
    `<!DOCTYPE html>\n<html>\n<head><meta charset="UTF-8"><title>${escapeHtml(title)}</title></head>\n<body>\n` +
    `<h1>${escapeHtml(title)}</h1>\n<p>Current time: ${now}</p>\n${body}\n</body>\n</html>\n`
  );
}
