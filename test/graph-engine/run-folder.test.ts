import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { freshRunFolder, runFolderName } from '../../graph-engine/run-folder.ts';

const when = new Date(2026, 10, 24, 9, 5, 7);

test('run folders are named <time>-<title>, the title safe as one file name', () => {
  assert.equal(runFolderName('Decompose a video into layers', when), '20261124-090507-Decompose-a-video-into-layers');
  assert.equal(runFolderName('../../etc/passwd', when), '20261124-090507-etc-passwd');
  assert.equal(runFolderName('Fondo: café ☕ / noche', when), '20261124-090507-Fondo-café-noche');
  assert.equal(runFolderName('  ...  ', when), '20261124-090507-run');
  assert.ok(runFolderName('x'.repeat(500), when).length <= 16 + 60);
});

test('the same title in the same second gets a fresh folder, on disk or reserved by a queued job', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'lf-run-folder-'));
  try {
    const first = freshRunFolder(parent, 'Clip', when, new Set());
    assert.equal(basename(first), '20261124-090507-Clip');
    await mkdir(first);
    const second = freshRunFolder(parent, 'Clip', when, new Set());
    assert.equal(basename(second), '20261124-090507-Clip-2');
    assert.equal(basename(freshRunFolder(parent, 'Clip', when, new Set([second]))), '20261124-090507-Clip-3');
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
