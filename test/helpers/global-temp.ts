// vitest globalSetup: every temporary directory a test run makes (tempDir(), mkdtemp under
// os.tmpdir(), the servers' data) goes under one folder for the run, removed when it ends, so
// `npm test` leaves nothing in /tmp. Test workers inherit TMPDIR from this process.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'norn-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
