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

test('LAYERFLOW_FFMPEG / LAYERFLOW_FFPROBE win for every use, a path or a command on PATH', () => {
  const named = join(other, 'my-ffmpeg');
  for (const use of ['encode', 'encode-vp9', 'read'] as const) {
    assert.deepEqual(findBinary('ffmpeg', use, lookup({ LAYERFLOW_FFMPEG: named, PATH: sys })), {
      tool: 'ffmpeg',
      path: named,
      source: 'env',
      use,
    });
    assert.deepEqual(findBinary('ffmpeg', use, lookup({ LAYERFLOW_FFMPEG: 'my-ffmpeg', PATH: `${sys}:${other}` })), {
      tool: 'ffmpeg',
      path: named,
      source: 'env',
      use,
    });
  }
});

test('encoding prefers the bundled ffmpeg (fast to start), then the system one', () => {
  assert.deepEqual(findBinary('ffmpeg', 'encode', lookup({ PATH: sys })), {
    tool: 'ffmpeg',
    path: BUNDLED,
    source: 'bundled',
    use: 'encode',
  });
  assert.deepEqual(findBinary('ffmpeg', 'encode', lookup({ PATH: `${other}:${sys}` }, false)), {
    tool: 'ffmpeg',
    path: join(sys, 'ffmpeg'),
    source: 'system',
    use: 'encode',
  });
});

test('VP9 encodes with the system ffmpeg (faster libvpx), else the bundled one', () => {
  assert.deepEqual(findBinary('ffmpeg', 'encode-vp9', lookup({ PATH: sys })), {
    tool: 'ffmpeg',
    path: join(sys, 'ffmpeg'),
    source: 'system',
    use: 'encode-vp9',
  });
  assert.deepEqual(findBinary('ffmpeg', 'encode-vp9', lookup({ PATH: other })), {
    tool: 'ffmpeg',
    path: BUNDLED,
    source: 'bundled',
    use: 'encode-vp9',
  });
});

test('reading files prefers the system ffmpeg and ffprobe (security fixes), then the bundled ones', () => {
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    assert.deepEqual(findBinary(tool, 'read', lookup({ PATH: `${other}:${sys}` })), {
      tool,
      path: join(sys, tool),
      source: 'system',
      use: 'read',
    });
  }
  // other/ffmpeg is not executable, so it is passed over
  assert.deepEqual(findBinary('ffmpeg', 'read', lookup({ PATH: other })), {
    tool: 'ffmpeg',
    path: BUNDLED,
    source: 'bundled',
    use: 'read',
  });
  assert.deepEqual(findBinary('ffmpeg', 'read', lookup({})), {
    tool: 'ffmpeg',
    path: BUNDLED,
    source: 'bundled',
    use: 'read',
  });
});

test('a LAYERFLOW_FFPROBE that is not there is an error, never a silent fallback', () => {
  const found = findBinary('ffprobe', 'read', lookup({ LAYERFLOW_FFPROBE: join(dir, 'nope'), PATH: sys }));
  assert.ok('problem' in found);
  assert.match(found.problem, /LAYERFLOW_FFPROBE=.*nope is not an executable file/);
});

test('nothing anywhere: the problem says what was tried', () => {
  for (const use of ['encode', 'encode-vp9', 'read'] as const) {
    const found = findBinary('ffmpeg', use, lookup({ PATH: other }, false));
    assert.ok('problem' in found);
    assert.equal(found.problem, 'no ffmpeg on PATH and no bundled one (not installed)');
  }
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
