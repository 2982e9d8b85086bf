import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rendererStale } from '../../server/renderer-build.ts';

/** A checkout-shaped folder: renderer/ sources, vite.config.ts and (optionally) a build, with given ages. */
async function checkout(ages: { source?: number; config?: number; build?: number }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'lf-renderer-'));
  const now = Date.now() / 1000;
  const put = async (path: string, ageS: number) => {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'x');
    await utimes(path, now - ageS, now - ageS);
  };
  if (ages.source !== undefined) await put(join(root, 'renderer', 'editor', 'canvas.tsx'), ages.source);
  await put(join(root, 'vite.config.ts'), ages.config ?? 3600);
  if (ages.build !== undefined) await put(join(root, 'dist', 'renderer', 'index.html'), ages.build);
  return root;
}

test('a build older than a renderer source (after git pull) is stale; a newer one is current', async () => {
  const pulled = await checkout({ source: 10, build: 600 });
  const built = await checkout({ source: 600, build: 10 });
  try {
    assert.equal(await rendererStale(pulled), true);
    assert.equal(await rendererStale(built), false);
  } finally {
    await rm(pulled, { recursive: true });
    await rm(built, { recursive: true });
  }
});

test('a changed vite.config.ts makes the build stale; a missing build is stale', async () => {
  const config = await checkout({ source: 600, config: 5, build: 60 });
  const none = await checkout({ source: 600 });
  try {
    assert.equal(await rendererStale(config), true);
    assert.equal(await rendererStale(none), true);
  } finally {
    await rm(config, { recursive: true });
    await rm(none, { recursive: true });
  }
});

test('an installed app (no renderer sources beside the build) never rebuilds', async () => {
  const app = await checkout({ build: 600, config: 5 });
  try {
    assert.equal(await rendererStale(app), false);
  } finally {
    await rm(app, { recursive: true });
  }
});
