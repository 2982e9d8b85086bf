import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { HEADLESS_ARGS, headlessBrowser } from '../../cli/headless-browser.ts';

/** On a machine with neither CHROMIUM nor a system browser, the tests fall back to @sparticuz/chromium. */
test('with no browser installed, the packaged Chromium is unpacked and drives a page headless', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'lf-nobrowser-'));
  const saved = { PATH: process.env.PATH, CHROMIUM: process.env.CHROMIUM };
  process.env.PATH = empty;
  delete process.env.CHROMIUM;
  let found: Awaited<ReturnType<typeof headlessBrowser>>;
  try {
    found = await headlessBrowser();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.CHROMIUM !== undefined) process.env.CHROMIUM = saved.CHROMIUM;
    await rm(empty, { recursive: true });
  }
  assert.equal(found.source, '@sparticuz/chromium');
  const browser = await chromium.launch({ executablePath: found.path, headless: true, args: HEADLESS_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent('<p id="p">layers</p><script>p.textContent += " " + (1 + 1)</script>');
    assert.equal(await page.textContent('#p'), 'layers 2');
  } finally {
    await browser.close();
  }
});
