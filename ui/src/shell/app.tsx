// The page frame: navigation, tenant picker, theme switch, and the current page.

import { useEffect, useState } from 'preact/hooks';
import { needsTenant, setTenant } from '../api/loki';
import { ClusterPage } from '../cluster/cluster-page';
import { ExplorePage } from '../explore/explore-page';
import { LabelBrowser } from '../labels/label-browser';
import { linkTo, onLinkClick, PAGES, updateParams, useLocation } from './router';
import { rememberTenant, TenantPicker } from './tenant-picker';
import { useTheme } from './theme';

const THEME_LABEL = { system: '◐ System', light: '☀ Light', dark: '☾ Dark' } as const;

export function App() {
  const location = useLocation();
  const { choice, theme, cycle } = useTheme();
  const [auth, setAuth] = useState(false);
  const tenant = location.params.get('tenant') ?? '';
  // Set before children render, so their first requests already name the tenant.
  setTenant(tenant);

  useEffect(() => {
    void needsTenant().then(setAuth);
  }, []);
  useEffect(() => rememberTenant(tenant), [tenant]);

  const current = PAGES.find((p) => p.page === location.page)!;
  useEffect(() => {
    document.title = `${current.title} · Norn`;
  }, [current.title]);

  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top-bar">
        <a class="brand" href={linkTo('/ui/explore', location.params)} onClick={onLinkClick}>
          <img src="/ui/assets/favicon.svg" alt="" width={22} height={22} /> Norn
        </a>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.page} href={linkTo(p.path, location.params)} aria-current={p.page === location.page ? 'page' : undefined} onClick={onLinkClick} data-nav={p.page}>
              {p.title}
            </a>
          ))}
        </nav>
        <div class="top-actions">
          {(auth || tenant !== '') && <TenantPicker key={tenant} tenant={tenant} required={auth} onChange={(t) => updateParams({ tenant: t })} />}
          <button type="button" onClick={cycle} title="Theme: system, light or dark" data-testid="theme-toggle" data-theme-choice={choice}>
            {THEME_LABEL[choice]}
          </button>
        </div>
      </header>
      {auth && tenant === '' && (
        <p class="banner" role="status">
          This server runs with <code>--auth</code>: pick a tenant (its <code>X-Scope-OrgID</code>) to see its logs.
        </p>
      )}
      <main id="main" key={`${location.page}|${tenant}`}>
        {location.page === 'explore' && <ExplorePage location={location} theme={theme} />}
        {location.page === 'labels' && <LabelBrowser location={location} />}
        {location.page === 'cluster' && <ClusterPage />}
      </main>
    </div>
  );
}
