import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitForFile } from '../graph-engine/queue-toy-nodes.ts';
import { cli, PACK, startCli } from './cli-process.ts';

let dir = '';

function sumWorkflow(name: string, wait: boolean) {
  return {
    schemaVersion: 2,
    meta: { title: 'sum' },
    nodes: {
      a: { type: 'toy.number', typeVersion: 1, params: { value: 1.25 }, inputs: {} },
      b: { type: 'toy.number', typeVersion: 1, params: { value: 3 }, inputs: {} },
      s: {
        type: 'toy.add',
        typeVersion: 1,
        params: {},
        inputs: { a: { node: 'a', output: 'value' }, b: { node: 'b', output: 'value' } },
      },
      g: {
        type: 'toy.gate',
        typeVersion: 1,
        params: { name, flags: dir, wait },
        inputs: { value: { node: 's', output: 'sum' } },
      },
    },
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-cli-run-'));
  await writeFile(join(dir, 'sum.json'), JSON.stringify(sumWorkflow('sum', false)));
  await writeFile(join(dir, 'wait.json'), JSON.stringify(sumWorkflow('held', true)));
});
after(() => rm(dir, { recursive: true, force: true }));

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; jobId: string; nodeId?: string });

test('run --set --json prints engine events as JSON lines and writes outputs and manifest to --out', async () => {
  const out = join(dir, 'out-set');
  const r = await cli([
    'run',
    join(dir, 'sum.json'),
    '--set',
    'a.value=-4.5',
    '--set',
    'b.scale=7',
    '--out',
    out,
    '--json',
    '--node-pack',
    PACK,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const events = lines(r.stdout);
  assert.ok(events.length >= 4);
  assert.equal(new Set(events.map((e) => e.jobId)).size, 1, 'one job id throughout');
  // s cannot start before both numbers are done, nor the sink before s.
  const nodeIds = events.map((e) => e.nodeId);
  const firstOf = (id: string) => nodeIds.indexOf(id);
  const lastOf = (id: string) => nodeIds.lastIndexOf(id);
  assert.ok(lastOf('a') < firstOf('s') && lastOf('b') < firstOf('s') && lastOf('s') < firstOf('g'));
  assert.equal(await readFile(join(out, 'sum.txt'), 'utf8'), String(-4.5 * 2 + 3 * 7));
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'finished');
  assert.deepEqual(manifest.nodes.a.params, { value: -4.5, scale: 2 });
  assert.deepEqual(manifest.nodes.b.params, { value: 3, scale: 7 });
  assert.match(r.stderr, /manifest: .*manifest\.json/);
});

test('--set values that are not JSON are text; without --out outputs go to ./out/<time>-<name>', async () => {
  const cwd = await mkdtemp(join(dir, 'cwd-'));
  const r = await cli(['run', join(dir, 'sum.json'), '--set', 'g.name=plain text', '--node-pack', PACK], cwd);
  assert.equal(r.code, 0, r.stderr);
  const [folder] = await readdir(join(cwd, 'out'));
  assert.match(folder, /^\d{8}-\d{6}-sum$/);
  assert.equal(await readFile(join(cwd, 'out', folder, 'plain text.txt'), 'utf8'), String(1.25 * 2 + 3 * 2));
});

test('--set naming an unknown node or param, or a malformed one, is a usage error', async () => {
  const cases: [string, RegExp][] = [
    ['nope.value=1', /no node "nope"/],
    ['a.volume=1', /toy\.number has no param "volume".*value, scale/],
    ['a=1', /expected node\.param=value/],
  ];
  for (const [setting, message] of cases) {
    const r = await cli([
      'run',
      join(dir, 'sum.json'),
      '--set',
      setting,
      '--json',
      '--node-pack',
      PACK,
      '--out',
      join(dir, 'x'),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing ran');
  }
});

test('an invalid value set on the command line fails validation with exit 1', async () => {
  const r = await cli([
    'run',
    join(dir, 'sum.json'),
    '--set',
    'a.value="many"',
    '--json',
    '--node-pack',
    PACK,
    '--out',
    join(dir, 'y'),
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^node a · value: /m);
});

test('Ctrl-C cancels the run cleanly: a cancelled event, a manifest, exit 130', async () => {
  const out = join(dir, 'out-cancel');
  const { proc, done } = startCli(['run', join(dir, 'wait.json'), '--json', '--out', out, '--node-pack', PACK]);
  await waitForFile(join(dir, 'held.started'));
  proc.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.ok(r.stdout.includes('cancelled'), r.stdout);
  lines(r.stdout);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'cancelled');
});

test('a preset runs by name, with its params set from the command line', async () => {
  const out = join(dir, 'out-preset');
  const r = await cli(['run', 'toy-add', '--set', 'a.value=40.5', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(join(out, 'sum.txt'), 'utf8'), '43.5\n');
  const unknown = await cli(['run', 'no-such-preset']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /neither a workflow file nor a preset \(presets: .*toy-add/);
});
