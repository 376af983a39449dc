// A real headless Chromium for UI tests: Debian's `chromium` (test/run.sh installs it when it
// can), driven over the DevTools protocol by puppeteer-core. No browser is downloaded.

import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser binary: `$CHROMIUM_PATH`, else the first Debian location that exists. */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error('chromium is not installed (Debian: apt-get install chromium)');
  const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars', '--font-render-hinting=none'];
  // Chromium refuses to start its sandbox as root; tests on CI machines run as root.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return puppeteer.launch({ executablePath, headless: true, args, defaultViewport: { width: 1280, height: 800 } });
}

/** Where screenshots go: `$NORN_UI_SCREENSHOTS` or a fresh temporary directory. */
export function screenshotDir(): string {
  const dir = process.env['NORN_UI_SCREENSHOTS'] ?? mkdtempSync(join(tmpdir(), 'norn-ui-shots-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}
