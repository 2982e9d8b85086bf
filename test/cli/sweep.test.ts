import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { combinations, comboLabel, MAX_COMBINATIONS, parseSweep } from '../../cli/sweep.ts';
import { cli } from './cli-process.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-sweep-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('sweep specs: inclusive ranges, lists read like --set values, and files of one value per line', async () => {
  assert.deepEqual(parseSweep('sample.seed=-1..2').values, [-1, 0, 1, 2]);
  assert.deepEqual(parseSweep('mix.opacity=0.5,1,"x"').values, [0.5, 1, 'x']);
  assert.deepEqual(parseSweep('sample.seed=7'), { key: 'sample.seed', nodeId: 'sample', param: 'seed', values: [7] });
  const file = join(dir, 'prompts.txt');
  await writeFile(file, 'red circle\r\n\n  blue square  \n');
  assert.deepEqual(parseSweep(`prompts.foreground=@${file}`).values, ['red circle', 'blue square']);
  assert.throws(() => parseSweep('sample.seed=5..1'), /ends before it starts/);
  assert.throws(() => parseSweep('seed=1..2'), /node\.param=value/);
  assert.throws(() => parseSweep(`p.q=@${join(dir, 'nope.txt')}`), /cannot read/);
  assert.throws(() => parseSweep(`p.q=0..${MAX_COMBINATIONS}`), /more than/);
});

test('combinations: the first axis varies slowest; too many is refused', () => {
  const combos = combinations([parseSweep('a.x=1..2'), parseSweep('b.y=p,q,r')]);
  assert.deepEqual(
    combos.map((c) => c.map((s) => `${s.nodeId}.${s.param}=${s.value}`).join(' ')),
    ['a.x=1 b.y=p', 'a.x=1 b.y=q', 'a.x=1 b.y=r', 'a.x=2 b.y=p', 'a.x=2 b.y=q', 'a.x=2 b.y=r'],
  );
  assert.equal(comboLabel(combos[5]), 'x=2 y=r');
  assert.throws(() => combinations([parseSweep('a.x=1..40'), parseSweep('b.y=1..40')]), /1600 combinations/);
});

test('run --sweep here runs one job per combination into numbered folders and writes an index', async () => {
  const out = join(dir, 'out');
  const r = await cli([
    'run',
    'toy-add',
    '--sweep',
    'a.value=1..3',
    '--sweep',
    'b.value=10,20',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
    runs: { index: number; folder: string; status: string; settings: Record<string, number> }[];
    contactSheet: string | null;
  };
  assert.deepEqual(
    index.runs.map((run) => [run.folder, run.status, run.settings['a.value'], run.settings['b.value']]),
    [
      ['1', 'finished', 1, 10],
      ['2', 'finished', 1, 20],
      ['3', 'finished', 2, 10],
      ['4', 'finished', 2, 20],
      ['5', 'finished', 3, 10],
      ['6', 'finished', 3, 20],
    ],
  );
  for (const run of index.runs) {
    const sum = Number(await readFile(join(out, run.folder, 'sum.txt'), 'utf8'));
    assert.equal(sum, run.settings['a.value'] + run.settings['b.value'], `run ${run.index}`);
  }
  assert.equal(index.contactSheet, null);
  assert.match(r.stderr, /no contact sheet: no finished run wrote a video/);
});

test('run --sweep with a farm option but no --redis is a usage error', async () => {
  const r = await cli(['run', 'toy-add', '--sweep', 'a.value=1..2', '--shared', dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--shared needs --redis/);
});
