// Version facts for /loki/api/v1/status/buildinfo, read once from package.json.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { BuildInfo } from '../gateway/mod.js';

function findPackageJson(): { version: string } {
  // Source runs from actors/, the build from dist/actors/: walk up until package.json appears.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    } catch {
      dir = dirname(dir);
    }
  }
  return { version: 'unknown' };
}

export function buildInfo(): BuildInfo {
  return {
    version: findPackageJson().version,
    revision: process.env['NORN_REVISION'] ?? 'unknown',
    branch: process.env['NORN_BRANCH'] ?? 'main',
    goVersion: process.version,
  };
}
