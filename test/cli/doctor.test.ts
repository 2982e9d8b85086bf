import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Check } from '../../cli/doctor.ts';
import { cli } from './cli-process.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-doctor-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const byName = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.name, c]));

test('`layerflow doctor` reports the ffmpeg in use, the formats it round-trips, ORT and the browser; exit 0', async () => {
  const r = await cli(['doctor', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
  assert.equal(report.ok, true);
  const checks = byName(report.checks);
  assert.deepEqual(Object.keys(checks), [
    'Node.js',
    'ffmpeg (encode)',
    'ffmpeg (read)',
    'ffprobe',
    'VP9 + alpha',
    'H.264',
    'ProRes 4444',
    'GIF',
    'onnxruntime-node',
    'test browser',
  ]);
  // encoding prefers the bundled build, reading and VP9 the system's (media/ffmpeg-binaries.ts); the line says which and why
  assert.match(
    checks['ffmpeg (encode)'].detail,
    /^\/\S+ffmpeg \((bundled; preferred for encoding but VP9: starts in milliseconds|system; no usable bundled one|LAYERFLOW_FFMPEG)\): ffmpeg version /,
  );
  assert.match(
    checks['ffmpeg (read)'].detail,
    /^\/\S+ffmpeg \((system; preferred for reading files and VP9: security fixes, faster libvpx|bundled; none on PATH|LAYERFLOW_FFMPEG)\): ffmpeg version /,
  );
  for (const name of ['VP9 + alpha', 'ProRes 4444', 'GIF'])
    assert.equal(checks[name].detail, 'writes and reads back alpha');
  assert.match(checks['onnxruntime-node'].detail, /^1\.\d+\.\d+, binding loads; providers tried in order: .*cpu/);
});

test('`layerflow doctor` without ffmpeg: exit 1, names the setting at fault, tries no format', async () => {
  const r = await cli(['doctor'], undefined, { LAYERFLOW_FFMPEG: join(dir, 'no-ffmpeg') });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^FAIL {2}ffmpeg \(encode\) +LAYERFLOW_FFMPEG=\S+no-ffmpeg is not an executable file/m);
  assert.match(r.stdout, /^FAIL {2}VP9 \+ alpha +not tried: ffmpeg or ffprobe is missing$/m);
  assert.match(r.stdout, /^warn {2}ProRes 4444 /m, 'ProRes is reported, but the demo does not need it');
  assert.match(r.stdout, /Something the demo needs is missing/);
});

test('`layerflow run` without ffmpeg fails validation at once, naming the save nodes; nothing is written', async () => {
  const out = join(dir, 'run');
  const r = await cli(['run', 'text-to-layers', '--out', out], undefined, { LAYERFLOW_FFMPEG: join(dir, 'none') });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^node foreground · format: webm-vp9-alpha is written with ffmpeg, which cannot run here: LAYERFLOW_FFMPEG=/m,
  );
  for (const name of ['alpha', 'background', 'blend'])
    assert.match(r.stderr, new RegExp(`^node ${name} · format: mp4-h264 is written with ffmpeg`, 'm'));
  await assert.rejects(readdir(out), 'no output folder: no node ran');
});
