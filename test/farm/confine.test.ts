import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { confineWorkflow, type WorkerPolicy } from '../../farm/confine.ts';
import { pathParams } from '../../farm/path-params.ts';
import { FarmJobIdSchema, type PackNeed } from '../../farm/payload.ts';
import { canServe, routeOf } from '../../farm/routes.ts';
import type { Workflow } from '../../graph-engine/workflow.ts';
import { createRegistry } from '../../nodes/index.ts';

const registry = createRegistry();
let dir = '';
let root = '';
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'lf-confine-')));
  root = join(dir, 'inputs');
  await mkdir(join(root, 'shots'), { recursive: true });
  await writeFile(join(root, 'clip.mp4'), 'x');
  await writeFile(join(dir, 'secret.mp4'), 'x');
  await symlink(join(dir, 'secret.mp4'), join(root, 'link.mp4'));
  await symlink(dir, join(root, 'up'));
});
after(() => rm(dir, { recursive: true, force: true }));

function wf(
  nodes: Record<
    string,
    { type: string; params: Record<string, unknown>; inputs?: Workflow['nodes'][string]['inputs'] }
  >,
): Workflow {
  return {
    schemaVersion: 2,
    nodes: Object.fromEntries(
      Object.entries(nodes).map(([id, n]) => [id, { typeVersion: 1, inputs: {}, ...n }]),
    ) as Workflow['nodes'],
  };
}

const policy = (): WorkerPolicy => ({
  readRoots: [root],
  packs: new Map([[HASH_A, { name: 'demo-rgba', param: 'demo-rgba', dir: '/packs/a', sha256: HASH_A }]]),
});

test('the params that point outside a job are found from the node specs, only among nodes that run', () => {
  const w = wf({
    v: { type: 'media.load-video', params: { path: '/x.mp4' } },
    f: { type: 'media.load-frames', params: { path: '/frames/*.png' } },
    p: { type: 'layerflow.load-pack', params: {} },
  });
  assert.deepEqual(
    pathParams(w, registry).map((p) => [p.nodeId, p.param, p.kind, p.value]),
    [
      ['v', 'path', 'file', '/x.mp4'],
      ['f', 'path', 'file', '/frames/*.png'],
      ['p', 'pack', 'pack', 'demo-rgba'], // the default counts as set
    ],
  );
  assert.deepEqual(
    pathParams(w, registry, ['v']).map((p) => p.nodeId),
    ['v'],
  );
});

test('file params must resolve, symlinks followed, inside a read root', async () => {
  const cases: [string, string | undefined][] = [
    [join(root, 'clip.mp4'), undefined],
    [join(root, 'shots', '*.png'), undefined],
    [join(root, 'missing.mp4'), undefined], // the node itself reports a missing file
    [join(dir, 'secret.mp4'), 'outside-read-roots'],
    [join(root, 'link.mp4'), 'outside-read-roots'],
    [join(root, 'up', 'secret.mp4'), 'outside-read-roots'],
    [join(root, '..', 'secret.mp4'), 'outside-read-roots'],
    ['inputs/clip.mp4', 'outside-read-roots'],
  ];
  for (const [path, code] of cases) {
    const { issues } = await confineWorkflow(
      wf({ v: { type: 'media.load-video', params: { path } } }),
      registry,
      undefined,
      [],
      policy(),
    );
    assert.deepEqual(
      issues.map((i) => [i.nodeId, i.field, i.code]),
      code ? [['v', 'path', code]] : [],
      path,
    );
  }
  const none = await confineWorkflow(
    wf({ v: { type: 'media.load-video', params: { path: join(root, 'clip.mp4') } } }),
    registry,
    undefined,
    [],
    { ...policy(), readRoots: [] },
  );
  assert.match(none.issues[0].message, /--read-root/);
});

test('a pack param is rewritten to the worker’s own copy of the pack the job named by content', async () => {
  const w = wf({ p: { type: 'layerflow.load-pack', params: { pack: '/home/alice/packs/demo' } } });
  const need: PackNeed = { nodeId: 'p', param: 'pack', name: '/home/alice/packs/demo', sha256: HASH_A };
  const ok = await confineWorkflow(w, registry, undefined, [need], policy());
  assert.deepEqual(ok.issues, []);
  assert.equal(ok.workflow.nodes.p.params.pack, 'demo-rgba');
  assert.equal(w.nodes.p.params.pack, '/home/alice/packs/demo', 'the input is not changed');

  const other = await confineWorkflow(w, registry, undefined, [{ ...need, sha256: HASH_B }], policy());
  assert.deepEqual(
    other.issues.map((i) => i.code),
    ['pack-not-here'],
  );
  const unlisted = await confineWorkflow(w, registry, undefined, [], policy());
  assert.deepEqual(
    unlisted.issues.map((i) => [i.nodeId, i.field, i.code]),
    [['p', 'pack', 'pack-not-here']],
  );
  const renamed = await confineWorkflow(w, registry, undefined, [{ ...need, name: 'demo-rgba' }], policy());
  assert.deepEqual(
    renamed.issues.map((i) => i.code),
    ['pack-not-here'],
    'the need must name the value the job holds',
  );
});

test('routes: one queue per set of pack hashes, in any order; a worker serves a route it holds all packs of', () => {
  const need = (nodeId: string, sha256: string): PackNeed => ({ nodeId, param: 'pack', name: nodeId, sha256 });
  const ab = routeOf([need('x', HASH_A), need('y', HASH_B)]);
  assert.equal(routeOf([need('q', HASH_B), need('r', HASH_A), need('s', HASH_A)]).queue, ab.queue);
  assert.notEqual(routeOf([need('x', HASH_A)]).queue, ab.queue);
  assert.equal(routeOf([]).queue, 'no-packs');
  assert.match(ab.queue, /^packs-[0-9a-f]{16}$/);
  assert.equal(canServe(ab.route, new Set([HASH_A, HASH_B, 'c'])), true);
  assert.equal(canServe(ab.route, new Set([HASH_A])), false);
  assert.equal(canServe(routeOf([]).route, new Set()), true);
});

test('job ids are safe folder names BullMQ accepts', () => {
  for (const id of ['sweep-a-01', 'mx5u9kn1-337057a6', 'nightly.3'])
    assert.equal(FarmJobIdSchema.safeParse(id).success, true, id);
  for (const id of ['../etc', 'a/b', '.hidden', '42', '', 'x'.repeat(129), 'a:b']) {
    assert.equal(FarmJobIdSchema.safeParse(id).success, false, id);
  }
});
