// The layering rules in .dependency-cruiser.cjs are checked by the test command over the real
// tree; this test shows that the rules bite: a fixture tree with an upward import and a cycle
// must fail the check, and the same tree without them must pass.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPCRUISE = join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(REPO_ROOT, '.dependency-cruiser.cjs');
const roots: string[] = [];

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'norn-layering-'));
  roots.push(root);
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function check(root: string, folders: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(DEPCRUISE, ['--config', CONFIG, ...folders], { cwd: root, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('the layering check', () => {
  it('passes a tree whose imports only go down', () => {
    const root = fixture({
      'core/model.ts': 'export const labels = 1;\n',
      'storage/chunk.ts': "import { labels } from '../core/model.js';\nexport const chunk = labels;\n",
      'app/norn.ts': "import { chunk } from '../storage/chunk.js';\nexport const norn = chunk;\n",
    });
    const { status, output } = check(root, ['core', 'storage', 'app']);
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  it('fails on an import that runs upward, naming the rule', () => {
    const root = fixture({
      'core/model.ts': "import { norn } from '../app/norn.js';\nexport const labels = norn;\n",
      'app/norn.ts': 'export const norn = 1;\n',
    });
    const { status, output } = check(root, ['core', 'app']);
    expect(status).not.toBe(0);
    expect(output).toContain('core-is-the-bottom: core/model.ts → app/norn.ts');
  });

  it('fails on an import cycle', () => {
    const root = fixture({
      'logql/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'logql/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    const { status, output } = check(root, ['logql']);
    expect(status).not.toBe(0);
    expect(output).toContain('no-circular');
  });

  it('fails when the HTTP edge reaches into a component past its interface', () => {
    const root = fixture({
      'actors/querier/api.ts': 'export interface QueryService { query(): void }\n',
      'actors/querier/querier.ts': 'export class ClusterQuerier {}\n',
      'gateway/routes.ts': "import type { QueryService } from '../actors/querier/api.js';\nimport { ClusterQuerier } from '../actors/querier/querier.js';\nexport type S = QueryService;\nexport const q = new ClusterQuerier();\n",
    });
    const { status, output } = check(root, ['actors', 'gateway']);
    expect(status).not.toBe(0);
    expect(output).toContain('gateway-uses-component-interfaces: gateway/routes.ts → actors/querier/querier.ts');
    expect(output).not.toContain('actors/querier/api.ts');
  });
});
