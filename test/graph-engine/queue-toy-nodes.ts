import { existsSync, watch, writeFileSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { NodeRegistry } from '../../graph-engine/registry.ts';
import { defineNode } from '../../graph-engine/spec.ts';

/** Resolves when `path` exists; rejects when `signal` aborts. Event-driven, no polling interval. */
export function waitForFile(path: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dirname(path));
    const finish = (err?: unknown) => {
      watcher.close();
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
    watcher.on('change', () => existsSync(path) && finish());
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    else if (existsSync(path)) finish();
  });
}

/** Toy nodes for queue and manifest tests: a number, a sum, a gated sink, a fact reporter, a failure. */
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
    params: z.object({ value: z.number().default(1), scale: z.number().default(2) }),
    run: async (_i, p) => ({ value: p.value * p.scale }),
  }),
  defineNode({
    type: 'toy.add',
    version: 1,
    category: 'Toy',
    title: 'Add',
    docs: 'a + b, reporting a made-up device and model hash.',
    purity: 'pure',
    inputs: { a: { type: { kind: 'Num' } }, b: { type: { kind: 'Num' } } },
    outputs: { sum: { type: { kind: 'Num' } } },
    params: z.object({}),
    run: async (i, _p, ctx) => {
      ctx.report({ device: 'toy-cpu', modelHashes: { 'adder.onnx': 'ab12cd' } });
      return { sum: (i.a as number) + (i.b as number) };
    },
  }),
  defineNode({
    type: 'toy.gate',
    version: 1,
    category: 'Toy',
    title: 'Gate',
    docs: 'Marks `<flags>/<name>.started`, waits for `<flags>/<name>.go` (or cancellation), then writes its value.',
    purity: 'sink',
    inputs: { value: { type: { kind: 'Num' } } },
    outputs: {},
    params: z.object({ name: z.string(), flags: z.string(), wait: z.boolean().default(true) }),
    run: async (i, p, ctx) => {
      await appendFile(join(p.flags, 'order.log'), `${p.name}\n`);
      await writeFile(join(p.flags, `${p.name}.started`), '');
      if (p.wait) await waitForFile(join(p.flags, `${p.name}.go`), ctx.signal);
      await writeFile(join(ctx.outDir, `${p.name}.txt`), String(i.value));
      return {};
    },
  }),
  defineNode({
    type: 'toy.block',
    version: 1,
    category: 'Toy',
    title: 'Block',
    docs: 'Holds the main thread for `ms` without yielding (as ONNX Runtime does for a long sampler step), then writes its value.',
    purity: 'sink',
    inputs: { value: { type: { kind: 'Num' } } },
    outputs: {},
    params: z.object({ ms: z.number().int().positive(), name: z.string() }),
    run: async (i, p, ctx) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, p.ms);
      await writeFile(join(ctx.outDir, `${p.name}.txt`), String(i.value));
      return {};
    },
  }),
  defineNode({
    type: 'toy.fail',
    version: 1,
    category: 'Toy',
    title: 'Fail',
    docs: 'Always fails.',
    purity: 'sink',
    inputs: { value: { type: { kind: 'Num' } } },
    outputs: {},
    params: z.object({}),
    run: async () => {
      throw new Error('toy failure');
    },
  }),
  defineNode({
    type: 'toy.crash',
    version: 1,
    category: 'Toy',
    title: 'Crash',
    docs: 'Takes its whole process down (kill -9 of itself), as a native crash or the OOM killer would.',
    purity: 'sink',
    inputs: { value: { type: { kind: 'Num' } } },
    outputs: {},
    params: z.object({}),
    run: async () => {
      process.kill(process.pid, 'SIGKILL');
      return {};
    },
  }),
  defineNode({
    type: 'toy.sleep',
    version: 1,
    category: 'Toy',
    title: 'Sleep',
    docs: 'Waits `ms` (or until cancelled), then writes a file: a job that takes a while.',
    purity: 'sink',
    inputs: { value: { type: { kind: 'Num' } } },
    outputs: {},
    params: z.object({ ms: z.number().min(0) }),
    run: async (_i, p, ctx) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, p.ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        });
      });
      await writeFile(join(ctx.outDir, 'slept.txt'), String(p.ms));
      return {};
    },
  }),
  defineNode({
    type: 'toy.spin',
    version: 1,
    category: 'Toy',
    title: 'Spin',
    docs: 'Marks `<flags>/<name>.started`, then computes synchronously for `ms` (never looking at its signal).',
    purity: 'sink',
    inputs: { value: { type: { kind: 'Num' } } },
    outputs: {},
    params: z.object({ name: z.string(), flags: z.string(), ms: z.number() }),
    run: async (_i, p) => {
      writeFileSync(join(p.flags, `${p.name}.started`), String(process.pid));
      const until = Date.now() + p.ms;
      while (Date.now() < until) {
        // busy: a node stuck in native or synchronous work
      }
      return {};
    },
  }),
];

/** number → `type` sink with `params`: a one-sink job around any of the toy sinks. */
export function sinkWorkflow(title: string, type: string, params: Record<string, unknown> = {}): unknown {
  return {
    schemaVersion: 2,
    meta: { title },
    nodes: {
      n: { type: 'toy.number', typeVersion: 1, params: { value: 1 }, inputs: {} },
      s: { type, typeVersion: 1, params, inputs: { value: { node: 'n', output: 'value' } } },
    },
  };
}

export function toyRegistry(): NodeRegistry {
  const registry = new NodeRegistry();
  for (const spec of toyNodes) registry.register(spec);
  return registry;
}

/** number(value) → gate(name): a job that waits at its gate until released (unless wait is false). */
export function gateWorkflow(name: string, flags: string, value: number, wait = true): unknown {
  return {
    schemaVersion: 2,
    meta: { title: name },
    nodes: {
      n: { type: 'toy.number', typeVersion: 1, params: { value }, inputs: {} },
      g: {
        type: 'toy.gate',
        typeVersion: 1,
        params: { name, flags, wait },
        inputs: { value: { node: 'n', output: 'value' } },
      },
    },
  };
}
