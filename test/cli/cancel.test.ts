import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCli } from './cli-process.ts';
import { ffmpegsUnder, isRunning, slowSaveWorkflow, tempFiles, until } from './processes.ts';

const linux = process.platform === 'linux' ? false : 'reads /proc to find ffmpeg';

test('Ctrl-C while ffmpeg encodes: ffmpeg is killed, the CLI exits 130, no partial file is left', {
  skip: linux,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lf-cancel-'));
  const wf = join(dir, 'slow.json');
  const out = join(dir, 'out');
  await writeFile(wf, JSON.stringify(slowSaveWorkflow()));
  const run = startCli(['run', wf, '--out', out, '--json']);
  try {
    // Cancel once ffmpeg is encoding: it opens its output file when the clip starts coming in.
    const [encoder] = await until(async () => {
      const found = (await ffmpegsUnder(run.proc.pid as number)).filter((f) => f.output && existsSync(f.output));
      return found.length > 0 && found;
    }, 'ffmpeg to start encoding');
    run.proc.kill('SIGINT');
    const { code, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    assert.equal(await isRunning(encoder.pid), false, 'no ffmpeg outlives the cancelled run');
    assert.equal(existsSync(encoder.output as string), false, 'the half-written file is removed');
    assert.deepEqual(await tempFiles(out), [], 'no temp file is left in the output folder');
    const files = (await readdir(out)).sort();
    assert.deepEqual(files, ['manifest.json'], 'the video being written when cancelled does not appear');
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.status, 'cancelled');
    assert.deepEqual(manifest.files, []);
  } finally {
    run.proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
