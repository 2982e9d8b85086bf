import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cli, PACK } from './cli-process.ts';

let dir = '';
const good = {
  schemaVersion: 2,
  nodes: {
    a: { type: 'toy.number', typeVersion: 1, params: { value: 2.5 }, inputs: {} },
    b: { type: 'toy.number', typeVersion: 1, params: { value: -7 }, inputs: {} },
    s: {
      type: 'toy.add',
      typeVersion: 1,
      params: {},
      inputs: { a: { node: 'a', output: 'value' }, b: { node: 'b', output: 'value' } },
    },
  },
};
const bad = {
  schemaVersion: 2,
  nodes: {
    a: { type: 'toy.number', typeVersion: 1, params: { value: 'lots' }, inputs: {} },
    s: {
      type: 'toy.add',
      typeVersion: 1,
      params: {},
      inputs: { a: { node: 'a', output: 'value' }, b: { node: 'gone', output: 'value' } },
    },
    z: { type: 'toy.unknown', typeVersion: 1, params: {}, inputs: {} },
  },
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-cli-validate-'));
  await writeFile(join(dir, 'good.json'), JSON.stringify(good));
  await writeFile(join(dir, 'bad.json'), JSON.stringify(bad));
  await writeFile(join(dir, 'broken.json'), '{"schemaVersion": 1, "nodes": {');
});
after(() => rm(dir, { recursive: true, force: true }));

test('validate exits 0 for a valid workflow', async () => {
  const r = await cli(['validate', join(dir, 'good.json'), '--node-pack', PACK]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid/);
});

test('validate exits 1 and prints one node-addressed problem per line', async () => {
  const r = await cli(['validate', join(dir, 'bad.json'), '--node-pack', PACK]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  for (const line of lines) assert.match(line, /^(node \S+|workflow)( · \S+)?: .+/);
  assert.ok(
    lines.some((l) => l.startsWith('node a · value: ')),
    r.stdout,
  );
  assert.ok(
    lines.some((l) => l.startsWith('node s · b')),
    r.stdout,
  );
  assert.ok(
    lines.some((l) => l.startsWith('node z')),
    r.stdout,
  );
});

test('validate --json gives the same problems as data', async () => {
  const r = await cli(['validate', join(dir, 'bad.json'), '--json', '--node-pack', PACK]);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { valid: boolean; issues: { nodeId?: string; field?: string; code: string }[] };
  assert.equal(out.valid, false);
  assert.deepEqual([...new Set(out.issues.map((i) => i.nodeId))].sort(), ['a', 's', 'z']);
  const ok = await cli(['validate', join(dir, 'good.json'), '--json', '--node-pack', PACK]);
  assert.deepEqual(JSON.parse(ok.stdout), { valid: true, issues: [] });
});

test('unreadable JSON is an invalid workflow (1); usage mistakes exit 2', async () => {
  const broken = await cli(['validate', join(dir, 'broken.json')]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /not valid JSON/);
  for (const args of [
    ['validate'],
    ['validate', join(dir, 'missing.json')],
    ['validate', join(dir, 'good.json'), '--frobnicate'],
    ['frobnicate'],
  ]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^layerflow: .+--help/);
  }
});
