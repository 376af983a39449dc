// The tenant picker: with `--auth` every request needs `X-Scope-OrgID`. The tenant lives in the
// URL (shared links keep it) and the last ones used are offered again.

import { useState } from 'preact/hooks';

const RECENT_KEY = 'norn.tenants';

function recent(): string[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string').slice(0, 10) : [];
  } catch {
    return [];
  }
}

export function rememberTenant(tenant: string): void {
  if (tenant === '') return;
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify([tenant, ...recent().filter((t) => t !== tenant)].slice(0, 10)));
  } catch {
    // Nothing to remember in a private window.
  }
}

export function TenantPicker({ tenant, required, onChange }: { tenant: string; required: boolean; onChange(tenant: string): void }) {
  const [draft, setDraft] = useState(tenant);
  return (
    <form
      class={`tenant-picker${required && tenant === '' ? ' needed' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        onChange(draft.trim());
      }}
    >
      <label>
        Tenant
        <input
          list="norn-tenants"
          value={draft}
          placeholder={required ? 'required' : 'none'}
          size={10}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          onBlur={() => draft.trim() !== tenant && onChange(draft.trim())}
          data-testid="tenant-input"
          aria-describedby="tenant-help"
        />
      </label>
      <datalist id="norn-tenants">
        {recent().map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <span id="tenant-help" class="sr-only">
        Sent as X-Scope-OrgID; separate several with |
      </span>
    </form>
  );
}
