import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement, isValidElement, type ReactElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { z } from 'zod';
import { ParamWidget, UNLOCKED_SEED } from '../../renderer/editor/ParamWidget.tsx';
import { type ParamField, paramFields } from '../../renderer/model/param-fields.ts';

/**
 * Param widgets from real node param schemas, as the registry sends them (zod → JSON Schema with the
 * `.meta()` hints): the markup they render, and the values their inputs hand back on change.
 */

const params = z.object({
  steps: z.number().int().min(1).max(200).default(8),
  cfg: z.number().min(1).max(12).default(6).meta({ widget: 'slider', step: 0.5 }),
  seed: z.number().int().min(-1).default(-1).meta({ widget: 'seed' }),
  pack: z.enum(['tiny-rgba', 'demo-rgba']).default('tiny-rgba'),
  prompt: z.string().max(2000).default('a fox').meta({ widget: 'textarea', label: 'Prompt' }),
  loop: z.boolean().default(false),
  file: z.string().default('').meta({ widget: 'path' }),
});
const fields = paramFields(z.toJSONSchema(params, { io: 'input' }) as Record<string, unknown>);
const field = (name: string) => fields.find((f) => f.name === name) as ParamField;

type Props = Parameters<typeof ParamWidget>[0];
const html = (props: Partial<Props> & { field: ParamField }) =>
  renderToStaticMarkup(createElement(ParamWidget, { value: undefined, onChange: () => {}, ...props }));

/** Every element of the tree ParamWidget returns (it has no hooks, so it can be called as a function). */
function elements(node: ReactNode): ReactElement<Record<string, unknown>>[] {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (!isValidElement<Record<string, unknown>>(node)) return [];
  return [node, ...elements(node.props.children as ReactNode)];
}

/** The values onChange receives when the inputs matching `pick` are changed to `text`/`checked`. */
function change(
  props: Omit<Props, 'onChange'>,
  pick: (e: ReactElement<Record<string, unknown>>) => boolean,
  target: object,
) {
  const got: unknown[] = [];
  const tree = ParamWidget({ ...props, onChange: (v) => got.push(v) });
  const hits = elements(tree).filter((e) => typeof e.props.onChange === 'function' && pick(e));
  assert.ok(hits.length > 0, 'an input to change');
  for (const e of hits) (e.props.onChange as (ev: unknown) => void)({ target });
  return got;
}

test('each schema field gets the widget its type and hints ask for', () => {
  assert.deepEqual(
    fields.map((f) => [f.name, f.widget]),
    [
      ['steps', 'number'],
      ['cfg', 'slider'],
      ['seed', 'seed'],
      ['pack', 'choice'],
      ['prompt', 'textarea'],
      ['loop', 'toggle'],
      ['file', 'file'],
    ],
  );
});

test('a number shows its value and bounds, and hands back whole numbers for integer params', () => {
  const markup = html({ field: field('steps'), value: 12 });
  for (const attr of ['type="number"', 'value="12"', 'min="1"', 'max="200"', 'step="1"'])
    assert.ok(markup.includes(attr), attr);
  assert.match(markup, /<label[^>]*>steps<\/label>/);
  assert.deepEqual(
    change({ field: field('steps'), value: 12 }, (e) => e.type === 'input', { value: '37.9' }),
    [37],
  );
  assert.deepEqual(
    change({ field: field('steps'), value: 12 }, (e) => e.type === 'input', { value: 'x' }),
    [undefined],
  );
});

test('a slider and its number box move together in the hinted step', () => {
  const markup = html({ field: field('cfg'), value: 7.5 });
  const range = /<input[^>]*type="range"[^>]*>/.exec(markup)?.[0] ?? '';
  for (const attr of ['min="1"', 'max="12"', 'step="0.5"', 'value="7.5"']) assert.ok(range.includes(attr), attr);
  const got = change({ field: field('cfg'), value: 7.5 }, (e) => e.type === 'input', { value: '9.5' });
  assert.deepEqual(got, [9.5, 9.5]);
});

test('a seed is locked at a value, or unlocked (-1) for the engine to draw one each run', () => {
  const locked = html({ field: field('seed'), value: 1234 });
  assert.match(locked, /value="1234"/);
  assert.match(locked, /type="checkbox"[^>]*checked=""/);
  const unlocked = html({ field: field('seed'), value: UNLOCKED_SEED });
  assert.match(unlocked, /<input[^>]*placeholder="new each run"[^>]*disabled=""/);
  assert.doesNotMatch(unlocked, /checked/);
  const isLock = (e: ReactElement<Record<string, unknown>>) => e.props.type === 'checkbox';
  assert.deepEqual(change({ field: field('seed'), value: 1234 }, isLock, { checked: false }), [UNLOCKED_SEED]);
  const [relocked] = change({ field: field('seed'), value: UNLOCKED_SEED }, isLock, { checked: true });
  assert.ok(Number.isInteger(relocked) && (relocked as number) >= 0, `a fresh seed, got ${relocked}`);
});

test('a choice lists the enum and hands back the chosen value itself', () => {
  const markup = html({ field: field('pack'), value: 'demo-rgba' });
  assert.match(markup, /<option value="tiny-rgba">tiny-rgba<\/option><option value="demo-rgba" selected="">/);
  assert.deepEqual(
    change({ field: field('pack'), value: 'demo-rgba' }, (e) => e.type === 'select', { value: 'tiny-rgba' }),
    ['tiny-rgba'],
  );
});

test('a pack picker offers the built-in packs the spec names and the packs found on disk', () => {
  const schema = z.toJSONSchema(z.object({ pack: z.enum(['tiny-rgba', 'demo-rgba']).meta({ widget: 'pack' }) }));
  const [pack] = paramFields(schema as Record<string, unknown>);
  const markup = html({ field: pack, value: 'demo-rgba', packs: ['my-import'] });
  const options = [...markup.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(options, ['', 'tiny-rgba', 'demo-rgba', 'my-import']);
});

test('text areas, toggles and paths hand back text and booleans; errors are painted on the field', () => {
  const markup = html({ field: field('prompt'), value: 'a red ball', error: 'the foreground prompt is empty' });
  assert.match(markup, /class="param nodrag has-error"/);
  // named for screen readers and marked invalid while it has an error
  assert.match(markup, /<textarea[^>]*aria-label="Prompt" aria-invalid="true" rows="3">a red ball<\/textarea>/);
  assert.match(markup, /<div class="field-error">the foreground prompt is empty<\/div>/);
  assert.match(markup, /<label[^>]*>Prompt<\/label>/);
  assert.deepEqual(
    change({ field: field('prompt'), value: '' }, (e) => e.type === 'textarea', { value: 'a fox' }),
    ['a fox'],
  );
  assert.deepEqual(
    change({ field: field('loop'), value: false }, (e) => e.type === 'input', { checked: true }),
    [true],
  );
  assert.match(html({ field: field('file'), value: '' }), /placeholder="\/path\/to\/file"/);
});
