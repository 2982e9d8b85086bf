import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import type { StudioEvent, WorkflowDoc } from '../../api/schemas.ts';
import type { StudioServices } from '../../api/services.ts';
import { createStudio } from '../../api/studio.ts';
import { studioPaths } from '../../api/studio-paths.ts';
import { PortKindRegistry } from '../../graph-engine/ports.ts';
import { NodeRegistry } from '../../graph-engine/registry.ts';
import { defineNode, type NodeSpec } from '../../graph-engine/spec.ts';

/** The studio over the real engine and queue, with two toy nodes: one that waits on a gate the test opens. */

let open: (() => void) | undefined;
/** Folders the studio asked the desktop to show. */
const opened: string[] = [];
const gate = () =>
  new Promise<void>((resolve) => {
    open = resolve;
  });

function registry(): NodeRegistry {
  const kinds = new PortKindRegistry();
  kinds.register({ name: 'Number', color: '#3a7', docs: 'A number.', fields: z.object({}) });
  const reg = new NodeRegistry(kinds);
  const specs = [
    defineNode({
      type: 't.num',
      version: 1,
      category: 'T',
      title: 'Num',
      docs: '',
      purity: 'pure',
      inputs: {},
      outputs: { value: { type: { kind: 'Number' } } },
      params: z.object({ value: z.number().default(1), slow: z.boolean().default(false) }),
      async run(_i, p, ctx) {
        if (p.slow) {
          ctx.progress(0.5);
          await Promise.race([gate(), new Promise((r) => ctx.signal.addEventListener('abort', r))]);
          ctx.signal.throwIfAborted();
        }
        return { value: p.value };
      },
    }),
    defineNode({
      type: 't.show',
      version: 1,
      category: 'T',
      title: 'Show',
      docs: '',
      purity: 'sink',
      inputs: { x: { type: { kind: 'Number' } } },
      outputs: {},
      params: z.object({}),
      run: async () => ({}),
    }),
  ];
  for (const s of specs) reg.register(s as unknown as NodeSpec);
  return reg;
}

const doc = (value: number, slow = false): WorkflowDoc => ({
  schemaVersion: 2,
  nodes: {
    n: { type: 't.num', typeVersion: 1, params: { value, slow }, inputs: {} },
    out: { type: 't.show', typeVersion: 1, params: {}, inputs: { x: { node: 'n', output: 'value' } } },
  },
});

let dir: string;
let studio: StudioServices;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-studio-'));
  studio = await createStudio({
    dataDir: dir,
    registry: registry(),
    openFolder: async (path) => {
      opened.push(path);
      return { path, opened: true };
    },
  });
});

after(async () => {
  await studio.close?.();
  await rm(dir, { recursive: true, force: true });
});

/** Resolves with the job list as a client reads it the moment the job's final event arrives. */
function listOnFinalEvent(jobId: () => string | undefined): Promise<{ event: StudioEvent; status?: string }> {
  return new Promise((resolve) => {
    const stop = studio.jobs.subscribe((event) => {
      if (event.jobId !== jobId() || !['job-finished', 'job-failed', 'job-cancelled'].includes(event.type)) return;
      stop();
      void studio.jobs
        .list()
        .then((jobs) => resolve({ event, status: jobs.find((j) => j.id === event.jobId)?.status }));
    });
  });
}

test('the job list agrees with a final event the moment a client hears it', async () => {
  let id: string | undefined;
  const heard = listOnFinalEvent(() => id);
  id = (await studio.jobs.submit(doc(4), {})).jobId;
  const { event, status } = await heard;
  assert.equal(event.type, 'job-finished');
  assert.equal(status, 'finished');
});

test('cancelling a running job: the event and the list both say cancelled', async () => {
  let id: string | undefined;
  const heard = listOnFinalEvent(() => id);
  const started = new Promise<void>((resolve) => {
    const stop = studio.jobs.subscribe((e) => {
      if (e.type === 'node-progress' && e.jobId === id) {
        stop();
        resolve();
      }
    });
  });
  id = (await studio.jobs.submit(doc(5, true), {})).jobId;
  await started;
  assert.equal(await studio.jobs.cancel(id), true);
  const { event, status } = await heard;
  assert.deepEqual([event.type, status], ['job-cancelled', 'cancelled']);
  const detail = await studio.jobs.get(id);
  assert.equal(detail?.workflow.schemaVersion, 2);
});

test('a rejected workflow is a bad request naming the node and field', async () => {
  const bad = doc(1);
  bad.nodes.out.inputs = {};
  await assert.rejects(studio.jobs.submit(bad, {}), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'bad-request');
    assert.match(err.message, /required input "x"/);
    return true;
  });
});

test('a version 1 file is migrated when opened, positions and all', async () => {
  const folder = studioPaths(dir).workflows;
  await mkdir(folder, { recursive: true });
  const v1 = {
    schemaVersion: 1,
    nodes: { n: { type: 't.num', params: { value: 9 } }, out: { type: 't.show' } },
    links: [['n', 'value', 'out', 'x']],
    layout: { n: { x: 10, y: 20 }, out: { x: 300, y: 20 } },
  };
  await writeFile(join(folder, 'old.json'), JSON.stringify(v1));
  const loaded = await studio.workflows.load('old');
  assert.equal(loaded.schemaVersion, 2);
  assert.deepEqual(loaded.nodes.out.inputs, { x: { node: 'n', output: 'value' } });
  assert.deepEqual(loaded.layout?.nodes, { n: { x: 10, y: 20 }, out: { x: 300, y: 20 } });
  assert.deepEqual(await studio.validate(loaded), []);
});

test('shipped presets load in the current format; a missing one is not-found', async () => {
  const [first] = await studio.presets.list();
  assert.ok(first, 'a shipped preset');
  assert.equal((await studio.presets.load(first.name)).schemaVersion, 2);
  await assert.rejects(studio.presets.load('no-such-preset'), (err: { code?: string }) => err.code === 'not-found');
});

test('the catalogue is the registry description: ports carry their colour and shape text', () => {
  const show = studio.catalogue().nodes.find((n) => n.type === 't.show');
  assert.deepEqual(show?.inputs.x, { type: { kind: 'Number' }, color: '#3a7', text: 'Number' });
});

test("'open output folder' shows the job's own <time>-<title> folder, and refuses an unknown job", async () => {
  const { jobId } = await studio.jobs.submit(
    { schemaVersion: 2, nodes: { n: { type: 't.num', typeVersion: 1, params: {}, inputs: {} } } },
    { title: 'Numbers / test' },
  );
  const r = await studio.outputs.openFolder(jobId);
  assert.equal(dirname(r.path), studioPaths(dir).outputs);
  assert.match(basename(r.path), /^\d{8}-\d{6}-Numbers-test$/);
  assert.equal(r.opened, true);
  assert.deepEqual(opened, [r.path]);
  await assert.rejects(studio.outputs.openFolder('no-such-job'), /no job "no-such-job"/);
});

test('a dropped manifest opens the workflow it ran, titled; a v1 file migrates; anything else is refused', async () => {
  const workflow = {
    schemaVersion: 2,
    nodes: { n: { type: 't.num', typeVersion: 1, params: { value: 4 }, inputs: {} } },
  };
  const manifest = { manifestVersion: 1, title: 'Four', jobId: 'j', workflow };
  const fromManifest = await studio.importWorkflow(manifest, 'manifest.json');
  assert.equal(fromManifest.title, 'Four');
  assert.deepEqual(fromManifest.workflow.nodes.n.params, { value: 4 });
  const v1 = { schemaVersion: 1, nodes: { n: { type: 't.num', params: { value: 2 } } }, links: [] };
  const fromV1 = await studio.importWorkflow(v1, 'old-flow.json');
  assert.equal(fromV1.workflow.schemaVersion, 2);
  assert.equal(fromV1.title, 'old-flow');
  await assert.rejects(studio.importWorkflow({ hello: 1 }, 'notes.json'), /notes\.json/);
  await assert.rejects(studio.importWorkflow({ manifestVersion: 1 }, 'manifest.json'), /not a readable run manifest/);
});
