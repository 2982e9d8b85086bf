import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findBinary, type Lookup, makeExecutable, processLookup } from '../../media/ffmpeg-binaries.ts';

let dir = '';
let sys = '';
let other = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-bin-'));
  sys = join(dir, 'sys');
  other = join(dir, 'other');
  await mkdir(sys);
  await mkdir(other);
  for (const file of [join(sys, 'ffmpeg'), join(sys, 'ffprobe'), join(other, 'my-ffmpeg')]) {
    await writeFile(file, '#!/bin/sh\n');
    await chmod(file, 0o755);
  }
  await writeFile(join(other, 'ffmpeg'), 'not executable');
});
after(() => rm(dir, { recursive: true, force: true }));

const BUNDLED = '/bundled/ffmpeg';
function lookup(env: Record<string, string | undefined>, bundled = true): Lookup {
  return { env, bundled: () => (bundled ? { path: BUNDLED } : { problem: 'not installed' }) };
}

test('order: LAYERFLOW_FFMPEG, then the system ffmpeg on PATH, then the bundled one', () => {
  const named = join(other, 'my-ffmpeg');
  assert.deepEqual(findBinary('ffmpeg', lookup({ LAYERFLOW_FFMPEG: named, PATH: sys })), {
    tool: 'ffmpeg',
    path: named,
    source: 'env',
  });
  assert.deepEqual(findBinary('ffmpeg', lookup({ LAYERFLOW_FFMPEG: 'my-ffmpeg', PATH: `${sys}:${other}` })), {
    tool: 'ffmpeg',
    path: named,
    source: 'env',
  });
  assert.deepEqual(findBinary('ffprobe', lookup({ PATH: `${other}:${sys}` })), {
    tool: 'ffprobe',
    path: join(sys, 'ffprobe'),
    source: 'system',
  });
  // other/ffmpeg is not executable, so it is passed over
  assert.deepEqual(findBinary('ffmpeg', lookup({ PATH: other })), { tool: 'ffmpeg', path: BUNDLED, source: 'bundled' });
  assert.deepEqual(findBinary('ffmpeg', lookup({})), { tool: 'ffmpeg', path: BUNDLED, source: 'bundled' });
});

test('a LAYERFLOW_FFPROBE that is not there is an error, never a silent fallback', () => {
  const found = findBinary('ffprobe', lookup({ LAYERFLOW_FFPROBE: join(dir, 'nope'), PATH: sys }));
  assert.ok('problem' in found);
  assert.match(found.problem, /LAYERFLOW_FFPROBE=.*nope is not an executable file/);
});

test('nothing anywhere: the problem says what was tried', () => {
  const found = findBinary('ffmpeg', lookup({ PATH: other }, false));
  assert.ok('problem' in found);
  assert.equal(found.problem, 'no ffmpeg on PATH and no bundled one (not installed)');
});

test('the bundled binaries resolve to files this process can run', async () => {
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    const bundled = processLookup.bundled(tool);
    assert.ok('path' in bundled, `bundled ${tool}: ${'problem' in bundled ? bundled.problem : ''}`);
    assert.ok(((await stat(bundled.path)).mode & 0o100) !== 0, `${bundled.path} is executable`);
  }
});

test('makeExecutable sets the owner bit the skipped postinstall would have set', async () => {
  const file = join(dir, 'plain');
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, 0o644);
  assert.equal(makeExecutable(file), undefined);
  assert.equal((await stat(file)).mode & 0o777, 0o744);
  assert.match(makeExecutable(join(dir, 'absent')) ?? '', /absent is not executable and cannot be made so/);
});
