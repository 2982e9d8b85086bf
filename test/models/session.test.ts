import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GraphBuilder } from '../../models/onnx/graph.ts';
import { floatToHalf, fromHalf, toHalf } from '../../models/session/float16.ts';
import { memoryFacts } from '../../models/session/memory.ts';
import { chooseProviders, type ProviderFacts, requestedFromEnv } from '../../models/session/providers.ts';
import { ortRunStats, resetOrtRunStats, runSession } from '../../models/session/run.ts';
import {
  device,
  getSession,
  openSessionCount,
  release,
  setSessionLogger,
  setSessionPolicy,
  useSession,
} from '../../models/session/sessions.ts';

const dir = await mkdtemp(join(tmpdir(), 'session-test-'));
after(async () => {
  await release();
  await rm(dir, { recursive: true, force: true });
});

/** Seeded values in [-2, 2), so a wrong computation cannot pass by accident. */
function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 4 - 2;
  });
}

/** y = x * w + b over [3, 7] with random constants. */
async function affineModel(name: string, w: Float32Array, b: Float32Array): Promise<string> {
  const g = new GraphBuilder(name);
  const x = g.input('x', 'float32', [3, 7]);
  const y = g.op('Add', [g.op('Mul', [x, g.const(w, [3, 7])]), g.const(b, [7])]);
  g.output(g.op('Identity', [y]), 'float32', [3, 7]);
  const file = join(dir, `${name}.onnx`);
  await writeFile(file, g.serialize().model);
  return file;
}

const gpuless: ProviderFacts = {
  backends: [
    { name: 'cpu', bundled: true },
    { name: 'webgpu', bundled: true },
    { name: 'cuda', bundled: false },
    { name: 'tensorrt', bundled: false },
  ],
  installed: [],
  nvidiaGpu: false,
  gpuAdapter: false,
};

describe('provider chooser', () => {
  it('falls back to cpu on a machine without GPU, saying why each was skipped', () => {
    const plan = chooseProviders(gpuless);
    assert.deepEqual(plan.order, ['cpu']);
    assert.deepEqual(
      plan.skipped.map((s) => s.provider),
      ['cuda', 'webgpu'],
    );
    assert.match(plan.skipped[0].reason, /add-on not installed/);
    assert.match(plan.skipped[1].reason, /no GPU adapter/);
  });

  it('puts cuda first when its add-on and a driver are there, then webgpu', () => {
    const plan = chooseProviders({ ...gpuless, installed: ['cuda', 'tensorrt'], nvidiaGpu: true, gpuAdapter: true });
    assert.deepEqual(plan.order, ['cuda', 'webgpu', 'cpu']);
  });

  it('skips an installed cuda add-on without an NVIDIA driver', () => {
    const plan = chooseProviders({ ...gpuless, installed: ['cuda'], gpuAdapter: true });
    assert.deepEqual(plan.order, ['webgpu', 'cpu']);
    assert.match(plan.skipped[0].reason, /NVIDIA driver/);
  });

  it('on Windows and macOS builds, tries DirectML and CoreML after WebGPU', () => {
    const windows = { ...gpuless, gpuAdapter: true, backends: [...gpuless.backends, { name: 'dml', bundled: true }] };
    assert.deepEqual(chooseProviders(windows).order, ['webgpu', 'dml', 'cpu']);
    const mac = { ...gpuless, backends: [...gpuless.backends, { name: 'coreml', bundled: true }] };
    assert.deepEqual(chooseProviders(mac).order, ['coreml', 'cpu']);
  });

  it('tries what was asked for, drops unknown names, and always ends with cpu', () => {
    assert.deepEqual(chooseProviders(gpuless, ['webgpu']).order, ['webgpu', 'cpu']);
    const plan = chooseProviders(gpuless, ['dml', 'cpu', 'tensorrt']);
    assert.deepEqual(plan.order, ['tensorrt', 'cpu']);
    assert.deepEqual(plan.skipped, [{ provider: 'dml', reason: 'not offered by this onnxruntime-node build' }]);
  });

  it('reads a provider request from LAYERFLOW_PROVIDERS', () => {
    assert.deepEqual(requestedFromEnv({ LAYERFLOW_PROVIDERS: ' webgpu, cpu ' }), ['webgpu', 'cpu']);
    assert.equal(requestedFromEnv({ LAYERFLOW_PROVIDERS: '' }), undefined);
    assert.equal(requestedFromEnv({}), undefined);
  });
});

describe('session cache', () => {
  it('caches a session per file and options, runs it, and counts its run time', async () => {
    const w = seeded(21, 7);
    const b = seeded(7, 8);
    const file = await affineModel('affine', w, b);
    const s1 = await getSession(file, { providers: ['cpu'] });
    assert.equal(await getSession(file, { providers: ['cpu'] }), s1);
    const auto = await getSession(file);
    assert.notEqual(auto, s1);
    resetOrtRunStats();
    const x = seeded(21, 9);
    const { [s1.ort.outputNames[0]]: y } = await runSession(s1, { x: { dims: [3, 7], data: x } });
    assert.deepEqual(y.dims, [3, 7]);
    for (let i = 0; i < 21; i++) assert.ok(Math.abs((y.data as Float32Array)[i] - (x[i] * w[i] + b[i % 7])) < 1e-6);
    await runSession(s1, { x: { dims: [3, 7], data: x } });
    assert.equal(s1.stats.calls, 2);
    assert.equal(ortRunStats().calls, 2);
    assert.ok(ortRunStats().ms > 0 && ortRunStats().ms === s1.stats.ms);
    resetOrtRunStats();
    assert.deepEqual(ortRunStats(), { calls: 0, ms: 0 });
  });

  it('keeps an arena session apart from the plain one, computing the same, and releases both with the file', async () => {
    const file = await affineModel('arena', seeded(21, 11), seeded(7, 12));
    await release();
    const plain = await getSession(file, { providers: ['cpu'] });
    const arena = await getSession(file, { providers: ['cpu'], arena: true });
    assert.notEqual(arena, plain);
    assert.equal(await getSession(file, { providers: ['cpu'], arena: true }), arena);
    const feeds = { x: { dims: [3, 7], data: seeded(21, 13) } };
    const y = async (s: typeof plain) => (await runSession(s, feeds))[s.ort.outputNames[0]].data;
    assert.deepEqual(await y(arena), await y(plain));
    await release(file);
    assert.equal(openSessionCount(), 0);
  });

  it('releases one file or all, and re-creates on the next request', async () => {
    const a = await affineModel('a', seeded(21, 1), seeded(7, 2));
    const b = await affineModel('b', seeded(21, 3), seeded(7, 4));
    await release();
    const sa = await getSession(a, { providers: ['cpu'] });
    await getSession(a);
    await getSession(b);
    assert.equal(openSessionCount(), 3);
    await release(a);
    assert.equal(openSessionCount(), 1);
    const again = await getSession(a, { providers: ['cpu'] });
    assert.notEqual(again, sa);
    await release();
    assert.equal(openSessionCount(), 0);
  });

  it('lets idle sessions go before creating another under release-idle, never one in use', async () => {
    const a = await affineModel('idle-a', seeded(21, 11), seeded(7, 12));
    const b = await affineModel('idle-b', seeded(21, 13), seeded(7, 14));
    const c = await affineModel('idle-c', seeded(21, 15), seeded(7, 16));
    await release();
    const x = { dims: [3, 7], data: seeded(21, 17) };
    try {
      // keep (the default, memory not tight here): every session stays for the next run
      await useSession(a, async (s) => runSession(s, { x }));
      await useSession(b, async (s) => runSession(s, { x }));
      assert.equal(openSessionCount(), 2);
      setSessionPolicy('release-idle');
      const held = await useSession(c, async (sc) => {
        assert.equal(openSessionCount(), 1, 'a and b, idle, went before c was created');
        // a created while c is in use: c stays, and c still runs
        const sa = await useSession(a, async (s) => s);
        assert.equal(openSessionCount(), 2);
        await runSession(sc, { x });
        return sa;
      });
      assert.equal(held.released, false);
      await useSession(b, async () => undefined);
      assert.equal(openSessionCount(), 1, 'a and c, idle again, went before b was created');
      assert.equal(held.released, true);
      await assert.rejects(runSession(held, { x }));
    } finally {
      setSessionPolicy('keep');
      await release();
    }
  });

  it('falls back to cpu when a requested provider cannot start, and reports it', async () => {
    const file = await affineModel('fallback', seeded(21, 5), seeded(7, 6));
    const logged: string[] = [];
    setSessionLogger((m) => logged.push(m));
    const s = await getSession(file, { providers: ['cuda', 'cpu'] });
    setSessionLogger((m) => console.warn(m));
    const report = device();
    assert.equal(report.provider, s.provider);
    if (s.provider === 'cpu') {
      // No CUDA add-on here (the usual case in CI): the failure is recorded, not fatal.
      assert.equal(report.fallbacks[0].provider, 'cuda');
      assert.ok(report.fallbacks[0].error.length > 0);
      assert.match(report.reason, /cuda failed/);
      assert.match(logged[0], /cuda failed/);
    } else {
      assert.equal(s.provider, 'cuda');
    }
  });

  it('checks feeds against the model and names the file', async () => {
    const file = await affineModel('checked', seeded(21, 1), seeded(7, 1));
    const s = await getSession(file, { providers: ['cpu'] });
    await assert.rejects(runSession(s, {}), new RegExp(`${file}: input x is missing`));
    await assert.rejects(runSession(s, { x: { dims: [3, 6], data: seeded(21, 1) } }), /21 values for dims \[3, 6\]/);
    await assert.rejects(
      runSession(s, { x: { dims: [3, 7], data: seeded(21, 1) }, y: { dims: [1], data: seeded(1, 1) } }),
      /no input y/,
    );
    await assert.rejects(
      runSession(s, { x: { dims: [3, 7], data: new BigInt64Array(21) } }),
      /takes float32, got BigInt64Array/,
    );
  });

  it('feeds float16 models from float32 and returns float32', async () => {
    const g = new GraphBuilder('half');
    const x = g.input('x', 'float16', [5]);
    g.output(g.op('Add', [x, x]), 'float16', [5]);
    const file = join(dir, 'half.onnx');
    await writeFile(file, g.serialize().model);
    const s = await getSession(file, { providers: ['cpu'] });
    const input = Float32Array.from([0.5, -1.25, 3, 1000, -0.0078125]);
    const out = Object.values(await runSession(s, { x: { dims: [5], data: input } }))[0];
    assert.ok(out.data instanceof Float32Array);
    assert.deepEqual(
      [...out.data],
      [...input].map((v) => v * 2),
    );
  });
});

describe('float16 and memory', () => {
  it('rounds floats to half to nearest even, with overflow and subnormals', () => {
    assert.equal(floatToHalf(1), 0x3c00);
    assert.equal(floatToHalf(-2), 0xc000);
    assert.equal(floatToHalf(65504), 0x7bff);
    assert.equal(floatToHalf(65520), 0x7c00);
    assert.equal(floatToHalf(2 ** -24), 1);
    assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00); // tie to even: down
    assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02); // tie to even: up
    const v = seeded(999, 3);
    const back = fromHalf(toHalf(v));
    for (let i = 0; i < v.length; i++) assert.ok(Math.abs(back[i] - v[i]) <= Math.abs(v[i]) * 2 ** -11 + 2 ** -25);
  });

  it('reports process memory, and GPU memory only for GPU providers', async () => {
    const m = await memoryFacts('cpu');
    assert.ok(m.rssBytes > 0 && m.heapUsedBytes > 0);
    assert.equal(m.gpu, undefined);
  });
});
