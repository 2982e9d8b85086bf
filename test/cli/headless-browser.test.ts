import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { installedBrowser, packagedBrowser } from '../../cli/headless-browser.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-browser-'));
  for (const name of ['a/chromium', 'b/google-chrome']) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), '#!/bin/sh\n');
    await chmod(join(dir, name), 0o755);
  }
});
after(() => rm(dir, { recursive: true, force: true }));

test('the test browser: CHROMIUM, else Chromium or Chrome on PATH, else none installed', () => {
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  assert.deepEqual(installedBrowser({ CHROMIUM: '/opt/c/chrome', PATH: a }), {
    path: '/opt/c/chrome',
    source: 'CHROMIUM',
  });
  assert.deepEqual(installedBrowser({ PATH: `${b}:${a}` }), { path: join(a, 'chromium'), source: 'system' });
  assert.deepEqual(installedBrowser({ PATH: b }), { path: join(b, 'google-chrome'), source: 'system' });
  assert.equal(installedBrowser({ PATH: join(dir, 'empty') }), undefined);
  assert.equal(installedBrowser({}), undefined);
});

test('the packaged Chromium is installed (a dev dependency) and its version is known', () => {
  const packaged = packagedBrowser();
  assert.ok('version' in packaged, 'problem' in packaged ? packaged.problem : '');
  assert.match(packaged.version, /^\d+\.\d+\.\d+$/);
});
