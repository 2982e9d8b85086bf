import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appRouter } from '../../api/router.ts';
import { fakeServices } from './fake-services.ts';

const wf = {
  schemaVersion: 2 as const,
  nodes: { a: { type: 'toy.number', typeVersion: 1, params: { value: 2.5 }, inputs: {} } },
};

test('nodes.list gives params as JSON Schema with UI hints and defaults', async () => {
  const caller = appRouter.createCaller({ services: fakeServices() });
  const { nodes, kinds } = await caller.nodes.list();
  const num = nodes.find((n) => n.type === 'toy.number');
  assert.ok(num);
  const props = num.params.properties as Record<string, Record<string, unknown>>;
  assert.equal(props.value.widget, 'slider');
  assert.equal(props.value.maximum, 10);
  assert.deepEqual(props.mode.enum, ['a', 'b']);
  assert.deepEqual(num.defaults, { value: 3, seed: 7, mode: 'a' });
  assert.deepEqual(num.outputs.value.type, { kind: 'Num' });
  assert.deepEqual(kinds, [{ name: 'Num', color: '#123456', docs: 'a number' }]);
});

test('inputs are checked by the zod schemas before services see them', async () => {
  const caller = appRouter.createCaller({ services: fakeServices() });
  await assert.rejects(caller.workflow.save({ name: '../etc/passwd', workflow: wf }), /BAD_REQUEST|no slashes/);
  await assert.rejects(caller.workflow.validate({ nodes: {} } as never), /schemaVersion/);
  // Node ids end up in paths like nodes.<id>.params, so the engine's schema refuses dots in them.
  await assert.rejects(
    caller.workflow.save({ name: 'x', workflow: { schemaVersion: 2, nodes: { 'a.b': wf.nodes.a } } }),
    /node id/,
  );
});

test('service not-found errors become NOT_FOUND', async () => {
  const caller = appRouter.createCaller({ services: fakeServices() });
  await assert.rejects(caller.workflow.load({ name: 'missing' }), (err: { code?: string }) => err.code === 'NOT_FOUND');
  await assert.rejects(caller.jobs.get({ jobId: 'nope' }), (err: { code?: string }) => err.code === 'NOT_FOUND');
});

test('workflow save then load round-trips and validate addresses nodes', async () => {
  const caller = appRouter.createCaller({ services: fakeServices() });
  await caller.workflow.save({ name: 'my flow', workflow: wf });
  assert.deepEqual((await caller.workflow.load({ name: 'my flow' })).nodes.a.params, { value: 2.5 });
  const issues = await caller.workflow.validate({
    schemaVersion: 2,
    nodes: { x: { type: 'nope', typeVersion: 1, params: {}, inputs: {} } },
  });
  assert.deepEqual(
    issues.map((i) => [i.nodeId, i.code]),
    [['x', 'unknown-type']],
  );
});

test('events subscription yields only the asked job and stops on abort', async () => {
  const services = fakeServices();
  const ac = new AbortController();
  const caller = appRouter.createCaller({ services }, { signal: ac.signal });
  const stream = await caller.events({ jobId: 'j2' });
  const got: unknown[] = [];
  const reading = (async () => {
    for await (const e of stream) {
      got.push(e);
      if (got.length === 2) ac.abort();
    }
  })();
  await new Promise((r) => setImmediate(r));
  services.emit({ type: 'node-progress', jobId: 'j1', time: 1, nodeId: 'n', fraction: 0.1 });
  services.emit({ type: 'node-progress', jobId: 'j2', time: 2, nodeId: 'n', fraction: 0.2 });
  services.emit({ type: 'job-finished', jobId: 'j2', time: 3, ms: 2 });
  await reading;
  assert.deepEqual(got, [
    { type: 'node-progress', jobId: 'j2', time: 2, nodeId: 'n', fraction: 0.2 },
    { type: 'job-finished', jobId: 'j2', time: 3, ms: 2 },
  ]);
});
