import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cli } from './cli-process.ts';

/** Presets by name (shipped and saved from the editor), help for every command, file inputs from --set. */

let dir = '';
let data = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-cli-presets-'));
  data = join(dir, 'data');
  await mkdir(join(data, 'presets'), { recursive: true });
  // What the editor's "Save as preset…" writes into <data>/presets.
  const mine = JSON.parse(await readFile(new URL('../../presets/toy-add.json', import.meta.url), 'utf8'));
  mine.meta = { title: 'My sum', description: 'saved from the editor' };
  mine.nodes.a.params.value = 20;
  mine.form = [{ node: 'a', param: 'value', label: 'First number' }];
  await writeFile(join(data, 'presets', 'my-sum.json'), JSON.stringify(mine));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a preset saved from the editor is listed with its file and runs by name', async () => {
  const list = await cli(['presets', '--data', data]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /my-sum\s+My sum \(yours\)\n\s+.*data\/presets\/my-sum\.json/);
  assert.match(list.stdout, /^text-to-layers\s/, 'the main presets come first');
  const json = JSON.parse((await cli(['presets', '--json', '--data', data])).stdout) as {
    name: string;
    path: string;
  }[];
  assert.equal(json.find((p) => p.name === 'my-sum')?.path, join(data, 'presets', 'my-sum.json'));
  const out = join(dir, 'out-sum');
  const r = await cli(['run', 'my-sum', '--data', data, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await readFile(join(out, 'sum.txt'), 'utf8')).trim(), '23');
  const missing = await cli(['run', 'my-sum', '--out', join(dir, 'x')]);
  assert.equal(missing.code, 2, 'without its data folder the name is unknown');
  assert.match(missing.stderr, /neither a workflow file nor a preset/);
});

test('every command answers --help with its usage', async () => {
  for (const command of ['run', 'demo', 'validate', 'nodes', 'presets', 'schema', 'serve']) {
    const r = await cli([command, '--help']);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: layerflow ${command}\\b`), command);
  }
});

test('run <preset> --help lists the form fields with their defaults', async () => {
  const mine = await cli(['run', 'my-sum', '--help', '--data', data]);
  assert.equal(mine.code, 0, mine.stderr);
  assert.match(mine.stdout, /My sum \(preset "my-sum", yours: .*my-sum\.json\)/);
  assert.match(mine.stdout, /a\.value\s+First number\n\s+default: 20 · number/);
  const shipped = await cli(['run', 'decompose', '--help']);
  assert.equal(shipped.code, 0, shipped.stderr);
  assert.match(
    shipped.stdout,
    /input\.path\s+Input video \(empty: the demo clip\)\n\s+default: "" · a file: mp4, webm/,
  );
  assert.match(shipped.stdout, /demo\.actor\s+Demo clip: foreground actor\n\s+default: 21 \(/);
});

test('--set input.path=clip.mp4 feeds your own video to a shipped preset, relative to where you are', async () => {
  const cwd = join(dir, 'shots');
  await mkdir(cwd);
  const made = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=40x24:rate=8:duration=1', 'clip.mp4'],
    { cwd },
  );
  assert.equal(made.status, 0, String(made.stderr));
  const out = join(dir, 'out-clip');
  const r = await cli(
    ['run', 'decompose', '--set', 'input.path=clip.mp4', '--target', 'input', '--out', out, '--json'],
    cwd,
  );
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.nodes.input.params.path, join(cwd, 'clip.mp4'));
  assert.equal(manifest.facts.input.source.path, join(cwd, 'clip.mp4'), 'the file was read, not the demo clip');
  const gone = await cli(['run', 'decompose', '--set', 'input.path=gone.mp4', '--target', 'input', '--out', out], cwd);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, new RegExp(`${join(cwd, 'gone.mp4')}: not found`));
});
