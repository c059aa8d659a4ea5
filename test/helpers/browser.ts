import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { expect } from 'vitest';

/** Chosen by test/helpers/global-setup.ts: CHROMIUM_PATH if set, else Debian's Chromium, else @sparticuz/chromium's. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  const missing = process.env.SIGHTLINE_TEST_CHROMIUM_MISSING;
  if (missing) throw new Error(`No Chromium runs on this machine, so the browser tests cannot run (${missing}). Install Debian's chromium or set CHROMIUM_PATH`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (CI's .ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Runs axe (WCAG 2.0–2.2 A and AA rules) on the page as it stands and fails with the violations listed. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} – ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
  expect(summary, `axe on ${page.url()}`).toEqual([]);
}
