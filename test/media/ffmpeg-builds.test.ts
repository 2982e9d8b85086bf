import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import which from 'which';
import { processLookup } from '../../media/ffmpeg-binaries.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every media test file (test/media, test/nodes/media) but this one. */
async function mediaSuite(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of ['test/media', 'test/nodes/media']) {
    for (const name of await readdir(join(ROOT, dir))) {
      if (name.endsWith('.test.ts') && name !== basename(import.meta.filename)) files.push(join(dir, name));
    }
  }
  return files.sort();
}

/** Runs the media suite in a child process with `binaries` as LAYERFLOW_FFMPEG / LAYERFLOW_FFPROBE. */
async function mediaSuitePasses(binaries: Record<'ffmpeg' | 'ffprobe', string>, which: string): Promise<void> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  delete env.NODE_TEST_CONTEXT; // else the inner runner reports to this one instead of printing TAP
  env.LAYERFLOW_FFMPEG = binaries.ffmpeg;
  env.LAYERFLOW_FFPROBE = binaries.ffprobe;
  const files = await mediaSuite();
  assert.ok(files.length >= 8, `found the media tests: ${files.join(', ')}`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const failed = out
    .split('\n')
    .filter((l) => l.startsWith('not ok'))
    .join('\n');
  assert.equal(code, 0, `media tests failed with ${which}:\n${failed}\n${out.slice(-3000)}`);
  const passed = Number(/^# pass (\d+)$/m.exec(out)?.[1] ?? 0);
  assert.ok(passed >= 40, `${passed} media tests passed`);
}

/**
 * The rest of the suite encodes with the bundled ffmpeg and reads with the system's where there is one
 * (CI has Debian's; see media/ffmpeg-binaries.ts). These run it again as the two other machines would:
 * one without a system ffmpeg (everything bundled), one where the optional packages did not install
 * (everything the system's), so every format's write, alpha check and read back is proven with both.
 */
test('the media suite passes with only the bundled ffmpeg and ffprobe', async () => {
  const paths: string[] = [];
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    const bundled = processLookup.bundled(tool);
    assert.ok('path' in bundled, `bundled ${tool} missing: ${'problem' in bundled ? bundled.problem : ''}`);
    paths.push(bundled.path);
  }
  await mediaSuitePasses({ ffmpeg: paths[0], ffprobe: paths[1] }, 'the bundled binaries');
});

const system = { ffmpeg: which.sync('ffmpeg', { nothrow: true }), ffprobe: which.sync('ffprobe', { nothrow: true }) };
test('the media suite passes with only the system ffmpeg and ffprobe', {
  skip: system.ffmpeg && system.ffprobe ? false : 'no ffmpeg and ffprobe on PATH',
}, async () => {
  await mediaSuitePasses({ ffmpeg: system.ffmpeg ?? '', ffprobe: system.ffprobe ?? '' }, 'the system binaries');
});
