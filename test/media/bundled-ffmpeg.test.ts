import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
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

/**
 * The rest of the suite runs with the system ffmpeg where there is one (CI has Debian's); this runs it
 * again with the static builds `npm install` brings, as a machine without ffmpeg would use them, so every
 * format's write, alpha check and read back is proven with both.
 */
test('the media suite passes with the bundled ffmpeg and ffprobe', async () => {
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  delete env.NODE_TEST_CONTEXT; // else the inner runner reports to this one instead of printing TAP
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    const bundled = processLookup.bundled(tool);
    assert.ok('path' in bundled, `bundled ${tool} missing: ${'problem' in bundled ? bundled.problem : ''}`);
    env[tool === 'ffmpeg' ? 'LAYERFLOW_FFMPEG' : 'LAYERFLOW_FFPROBE'] = bundled.path;
  }
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
  assert.equal(code, 0, `media tests failed with the bundled binaries:\n${failed}\n${out.slice(-3000)}`);
  const passed = Number(/^# pass (\d+)$/m.exec(out)?.[1] ?? 0);
  assert.ok(passed >= 40, `${passed} media tests passed`);
});
