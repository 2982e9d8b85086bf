import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cli, PACK } from './cli-process.ts';

test('--help documents the commands and exit codes', async () => {
  const r = await cli(['--help']);
  assert.equal(r.code, 0);
  for (const word of ['run', 'validate', 'nodes', 'presets', '--set', '130']) assert.ok(r.stdout.includes(word), word);
});

test('nodes --json lists every spec with type, version, category, ports and params', async () => {
  const r = await cli(['nodes', '--json', '--node-pack', PACK]);
  assert.equal(r.code, 0, r.stderr);
  const nodes = JSON.parse(r.stdout) as {
    type: string;
    version: number;
    category: string;
    inputs: object;
    outputs: object;
    params: { properties?: object };
  }[];
  const add = nodes.find((n) => n.type === 'toy.add');
  assert.ok(add);
  assert.equal(add.version, 1);
  assert.equal(add.category, 'Toy');
  assert.deepEqual(Object.keys(add.inputs), ['a', 'b']);
  assert.deepEqual(Object.keys(add.outputs), ['sum']);
  const num = nodes.find((n) => n.type === 'toy.number');
  assert.deepEqual(Object.keys(num?.params.properties ?? {}), ['value', 'scale']);
});

test('nodes prints a readable listing', async () => {
  const r = await cli(['nodes', '--node-pack', PACK]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /toy\.gate v1/);
  assert.match(r.stdout, /scale/);
});

test('presets --json lists the shipped presets by name and title', async () => {
  const r = await cli(['presets', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const presets = JSON.parse(r.stdout) as { name: string; title: string }[];
  assert.ok(presets.length > 0);
  for (const p of presets) assert.ok(p.name && p.title);
});

test('the bin shim runs the CLI through tsx and passes its exit code on', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  const bin = fileURLToPath(new URL(`../../${pkg.bin.layerflow}`, import.meta.url));
  const version = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), pkg.version);
  assert.equal(spawnSync(process.execPath, [bin, 'nonsense'], { encoding: 'utf8' }).status, 2);
});

test('schema prints the workflow format as JSON Schema (current schemaVersion, nodes required)', async () => {
  const r = await cli(['schema']);
  assert.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout) as {
    properties: { schemaVersion: { const: number } };
    required: string[];
  };
  assert.equal(schema.properties.schemaVersion.const, 2);
  assert.ok(schema.required.includes('nodes'));
});
