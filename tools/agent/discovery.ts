// Finds the files a static config's `__path__` glob names (minus `__path_exclude__`), walking
// only below the glob's fixed base directory. Run again every sync period, so files that
// appear later are followed too.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { ScrapeConfig } from './config.js';

export interface Target {
  readonly path: string;
  readonly job: string;
  /** The stream's labels: the static config's labels without `__*`, plus `filename`. */
  readonly labels: Readonly<Record<string, string>>;
}

interface Matcher {
  readonly base: string;
  readonly recursive: boolean;
  readonly depth: number;
  readonly match: (path: string) => boolean;
  readonly exclude?: (path: string) => boolean;
  readonly job: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function compileTargets(scrapes: readonly ScrapeConfig[]): Matcher[] {
  const matchers: Matcher[] = [];
  for (const scrape of scrapes) {
    for (const config of scrape.staticConfigs) {
      const pattern = config.labels['__path__']!;
      const exclude = config.labels['__path_exclude__'];
      const scan = picomatch.scan(pattern);
      const base = scan.base === '' ? '.' : scan.base;
      const rest = pattern.slice(scan.base.length).replace(/^\//, '');
      const labels = Object.fromEntries(Object.entries(config.labels).filter(([name]) => !name.startsWith('__')));
      matchers.push({
        base,
        recursive: rest.includes('**'),
        depth: rest === '' ? 0 : rest.split('/').length,
        match: scan.isGlob ? picomatch(pattern, { dot: true }) : (path) => path === pattern,
        ...(exclude !== undefined ? { exclude: picomatch(exclude, { dot: true }) } : {}),
        job: scrape.jobName,
        labels,
      });
    }
  }
  return matchers;
}

/** Every regular file some config names; the first config to name a path wins. */
export async function discover(matchers: readonly Matcher[]): Promise<Target[]> {
  const found = new Map<string, Target>();
  for (const matcher of matchers) {
    const candidates = matcher.depth === 0 ? [matcher.base] : await walk(matcher.base, matcher.recursive ? Number.POSITIVE_INFINITY : matcher.depth);
    for (const path of candidates) {
      if (found.has(path) || !matcher.match(path) || matcher.exclude?.(path) === true) continue;
      try {
        if (!(await stat(path)).isFile()) continue;
      } catch {
        continue;
      }
      found.set(path, { path, job: matcher.job, labels: { ...matcher.labels, filename: path } });
    }
  }
  return [...found.values()];
}

async function walk(dir: string, depth: number): Promise<string[]> {
  if (depth <= 0) return [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path, depth - 1)));
    else out.push(path);
  }
  return out;
}
