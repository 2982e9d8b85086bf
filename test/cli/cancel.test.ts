import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCli } from './cli-process.ts';
import { processesMentioning, slowSaveWorkflow, tempFiles, until } from './processes.ts';

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
    // Cancel once the encoder is writing its temp file.
    await until(async () => (await tempFiles(out)).length > 0, 'the encoder to start');
    const encoders = await processesMentioning(out);
    assert.ok(encoders.length > 0, 'ffmpeg is running on the output');
    run.proc.kill('SIGINT');
    const { code, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    assert.deepEqual(await processesMentioning(out), [], 'no ffmpeg outlives the cancelled run');
    assert.deepEqual(await tempFiles(out), [], 'the half-written temp file is removed');
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
