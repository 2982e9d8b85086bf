import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';
import { toyEngine } from './engine-toys.ts';

const v2 = defineNode({
  type: 'toy.num',
  version: 2,
  category: 'Toy',
  title: 'Number v2',
  docs: 'Now with a unit.',
  purity: 'pure',
  inputs: {},
  outputs: { value: { type: { kind: 'Number' } } },
  params: z.object({ value: z.number().default(0), unit: z.enum(['m', 's']).default('m') }),
  run: async (_i, p) => ({ value: p.value }),
});

test('specs are found by type and version, the newest by default; duplicates throw', () => {
  const { registry } = toyEngine();
  registry.register(v2);
  assert.equal(registry.get('toy.num')?.version, 2);
  assert.equal(registry.get('toy.num', 1)?.title, 'Number');
  assert.equal(registry.get('toy.num', 3), undefined);
  assert.equal(registry.get('nope'), undefined);
  assert.deepEqual(registry.versions('toy.num'), [1, 2]);
  assert.equal(registry.list().filter((s) => s.type === 'toy.num').length, 1, 'the palette lists the newest only');
  assert.throws(() => registry.register(v2), /registered twice/);
});

test('describe gives params as JSON Schema with UI hints, defaults, and ports with colours', () => {
  const { registry } = toyEngine();
  const { nodes, kinds } = registry.describe();
  const num = nodes.find((n) => n.type === 'toy.num');
  assert.ok(num);
  const value = (num.params.properties as Record<string, Record<string, unknown>>).value;
  assert.equal(value.type, 'number');
  assert.equal(value.widget, 'number');
  assert.equal(value.step, 0.5);
  assert.deepEqual(num.defaults, { value: 1 });
  assert.deepEqual(num.outputs.value, { type: { kind: 'Number' }, color: '#3a7', text: 'Number' });
  const noise = nodes.find((n) => n.type === 'toy.noise');
  assert.deepEqual(noise?.defaults, { w: 3, h: 5, seed: -1 });
  const save = nodes.find((n) => n.type === 'toy.save');
  assert.equal(save?.inputs.value.color, '#888888', 'a kind nobody registered is grey');
  assert.deepEqual(
    kinds.map((k) => k.name),
    ['Number', 'Text', 'Grid'],
  );
  assert.doesNotThrow(() => JSON.stringify(registry.describe()));
});
