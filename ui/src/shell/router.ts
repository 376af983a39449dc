// Pages live under /ui/ and keep their state in the URL (query, range, tenant), so any view can
// be shared as a link and the back button works. The gateway answers index.html for any /ui/ path.

import { useEffect, useState } from 'preact/hooks';

export type Page = 'explore' | 'labels' | 'cluster';

export const PAGES: ReadonlyArray<{ page: Page; path: string; title: string }> = [
  { page: 'explore', path: '/ui/explore', title: 'Explore' },
  { page: 'labels', path: '/ui/labels', title: 'Labels' },
  { page: 'cluster', path: '/ui/cluster', title: 'Cluster' },
];

export function pageOf(pathname: string): Page {
  const found = PAGES.find((p) => pathname === p.path || pathname.startsWith(`${p.path}/`));
  return found?.page ?? 'explore';
}

const CHANGE = 'norn:navigate';

export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(CHANGE));
}

/** Rewrites URL parameters of the current page (empty values are removed). */
export function updateParams(changes: Record<string, string | undefined>, replace = false): void {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') params.delete(key);
    else params.set(key, value);
  }
  const search = params.toString();
  navigate(`${location.pathname}${search === '' ? '' : `?${search}`}`, replace);
}

export interface Location {
  page: Page;
  params: URLSearchParams;
}

export function useLocation(): Location {
  const read = (): Location => ({ page: pageOf(location.pathname), params: new URLSearchParams(location.search) });
  const [value, setValue] = useState(read);
  useEffect(() => {
    const update = () => setValue(read());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return value;
}

/** Same-page links: keep the tenant and range, navigate without a reload. */
export function linkTo(path: string, keep: URLSearchParams, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of ['from', 'to', 'tenant']) {
    const value = keep.get(key);
    if (value !== null && value !== '') params.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.currentTarget as HTMLAnchorElement | null) ?? undefined;
  if (anchor === undefined) return;
  event.preventDefault();
  navigate(anchor.getAttribute('href') ?? '/ui/');
}
