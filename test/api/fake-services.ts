import { z } from 'zod';
import { buildCatalogue } from '../../api/catalogue.ts';
import { StudioError } from '../../api/errors.ts';
import type { JobSummary, StudioEvent, WorkflowDoc } from '../../api/schemas.ts';
import type { StudioServices } from '../../api/services.ts';
import { PortKindRegistry } from '../../graph-engine/ports.ts';
import { NodeRegistry } from '../../graph-engine/registry.ts';
import { defineNode, type NodeSpec } from '../../graph-engine/spec.ts';

/** Two tiny node specs and in-memory stores: enough to drive the router without the engine. */
export const toyNodes = [
  defineNode({
    type: 'toy.number',
    version: 1,
    category: 'Toy',
    title: 'Number',
    docs: 'A constant.',
    purity: 'pure',
    inputs: {},
    outputs: { value: { type: { kind: 'Num' } } },
    params: z.object({
      value: z.number().min(-10).max(10).default(3).meta({ widget: 'slider', step: 0.5 }),
      seed: z.number().int().default(7).meta({ widget: 'seed' }),
      mode: z.enum(['a', 'b']).default('a'),
    }),
    run: async (_i, p) => ({ value: p.value }),
  }),
  defineNode({
    type: 'toy.show',
    version: 1,
    category: 'Toy',
    title: 'Show',
    docs: 'A sink.',
    purity: 'sink',
    inputs: { value: { type: { kind: 'Num' } } },
    outputs: {},
    params: z.object({}),
    run: async () => ({}),
  }),
];

export function fakeServices(): StudioServices & { emit(e: StudioEvent): void; jobsMap: Map<string, JobSummary> } {
  const kinds = new PortKindRegistry();
  kinds.register({ name: 'Num', color: '#123456', docs: 'a number', fields: z.object({}) });
  const registry = new NodeRegistry(kinds);
  for (const spec of toyNodes) registry.register(spec as unknown as NodeSpec);
  const listeners = new Set<(e: StudioEvent) => void>();
  const jobsMap = new Map<string, JobSummary>();
  const files = new Map<string, WorkflowDoc>();
  const emit = (e: StudioEvent) => {
    for (const l of listeners) l(e);
  };
  let next = 0;
  return {
    emit,
    jobsMap,
    catalogue: () => buildCatalogue(registry),
    validate: async (wf) =>
      Object.entries(wf.nodes)
        .filter(([, n]) => !toyNodes.some((s) => s.type === n.type))
        .map(([nodeId, n]) => ({ nodeId, code: 'unknown-type', message: `unknown node type "${n.type}"` })),
    inferTypes: async () => ({ outputs: {}, edges: [], issues: [], notes: [], media: {} }),
    checkLink: (wf, from) => (wf.nodes[from.node] ? null : `no node "${from.node}"`),
    importWorkflow: async (json, name) => ({ workflow: json as WorkflowDoc, title: name }),
    workflows: {
      list: async () => [...files.keys()].map((name) => ({ name, modified: 0 })),
      load: async (name) => {
        const wf = files.get(name);
        if (!wf) throw new StudioError('not-found', `no workflow "${name}"`);
        return wf;
      },
      save: async (name, wf) => {
        files.set(name, wf);
      },
    },
    presets: {
      list: async () => [],
      load: async (name) => {
        throw new StudioError('not-found', `no preset "${name}"`);
      },
      save: async () => {},
    },
    jobs: {
      submit: async () => {
        const id = `job-${++next}`;
        jobsMap.set(id, { id, title: id, status: 'queued', createdAt: next });
        return { jobId: id };
      },
      cancel: async (id) => jobsMap.delete(id),
      list: async () => [...jobsMap.values()],
      get: async (id) => {
        const job = jobsMap.get(id);
        return job && { ...job, workflow: { schemaVersion: 2, nodes: {} }, seeds: {} };
      },
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    packs: { list: async () => [] },
    upload: async (chunk) => ({ received: chunk.offset + Buffer.from(chunk.data, 'base64').length }),
    outputs: {
      list: async () => [],
      openFolder: async (jobId) => ({ path: `/out/${jobId}`, opened: false, reason: 'fake' }),
    },
  };
}
