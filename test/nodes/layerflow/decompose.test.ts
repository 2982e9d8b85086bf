import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { executeWorkflow } from '../../../graph-engine/execute.ts';
import { validateWorkflow } from '../../../graph-engine/validate.ts';
import type { Workflow } from '../../../graph-engine/workflow.ts';
import { createRegistry } from '../../../nodes/index.ts';
import { expandMacro, layerflowMacros } from '../../../nodes/layerflow/index.ts';
import type { LayeredVideoValue } from '../../../nodes/layerflow/values.ts';

const registry = createRegistry();
const link = (node: string, output: string) => ({ node, output });

/** Decompose a demo clip with the macro; a Merge Layers node reads its three outputs. */
function macroWorkflow(): Workflow {
  return {
    schemaVersion: 2,
    nodes: {
      pack: { type: 'layerflow.load-pack', typeVersion: 1, params: { pack: 'demo-rgba' }, inputs: {} },
      clip: { type: 'layerflow.demo-clip', typeVersion: 1, params: { actor: 17, backdrop: 3 }, inputs: {} },
      prompts: {
        type: 'layerflow.layer-prompts',
        typeVersion: 1,
        params: { foreground: 'red triangle bouncing', background: 'blue sky gradient', blend: 'red triangle' },
        inputs: {},
      },
      dec: {
        type: 'layerflow.decompose',
        typeVersion: 1,
        params: { seed: 5, steps: 6, previewEvery: 0 },
        inputs: {
          vae: link('pack', 'vae'),
          model: link('pack', 'model'),
          textEncoder: link('pack', 'textEncoder'),
          video: link('clip', 'blend'),
          text: link('prompts', 'text'),
        },
      },
      merge: {
        type: 'layerflow.merge-layers',
        typeVersion: 1,
        params: {},
        inputs: {
          foreground: link('dec', 'foreground'),
          alpha: link('dec', 'alpha'),
          background: link('dec', 'background'),
        },
      },
    },
    layout: { nodes: { dec: { x: 100, y: 50 }, merge: { x: 400, y: 50 } } },
    form: [
      { node: 'dec', param: 'seed' },
      { node: 'dec', param: 'chunkFrames' },
      { node: 'prompts', param: 'foreground' },
    ],
  };
}

describe('layerflow.decompose (macro)', () => {
  it('expands into VAE Encode → Text Encode → DiT Sampler → VAE Decode → Split Layers, readers rewired', () => {
    const wf = expandMacro(macroWorkflow(), 'dec');
    assert.ok(!('dec' in wf.nodes));
    assert.deepEqual(
      ['dec-encode', 'dec-text', 'dec-sample', 'dec-decode', 'dec-split'].map((id) => wf.nodes[id]?.type),
      [
        'layerflow.vae-encode',
        'layerflow.text-encode',
        'layerflow.dit-sampler',
        'layerflow.vae-decode',
        'layerflow.split-layers',
      ],
    );
    assert.deepEqual(wf.nodes['dec-sample'].params, { task: 'decompose', steps: 6, seed: 5, previewEvery: 0 });
    assert.deepEqual(wf.nodes['dec-encode'].params, { task: 'decompose', chunkFrames: 0, fit: 'crop' });
    assert.deepEqual(wf.nodes.merge.inputs.alpha, link('dec-split', 'alpha'));
    assert.deepEqual(
      wf.form?.map((f) => f.node),
      ['dec-sample', 'dec-encode', 'prompts'],
      'form fields follow their params',
    );
    assert.deepEqual(wf.layout?.nodes?.['dec-encode'], { x: 100, y: 50 });
    assert.deepEqual(validateWorkflow(wf, registry), []);
    assert.deepEqual(Object.keys(layerflowMacros), ['layerflow.decompose']);
    assert.throws(() => expandMacro(wf, 'merge'), /not a macro/);
  });

  it('the macro and its expansion give identical layers', async () => {
    const run = async (wf: Workflow) => {
      const result = await executeWorkflow(wf, registry, { outDir: '/nonexistent', targets: ['merge'] });
      assert.equal(result.status, 'finished', result.error?.message);
      return result.outputs.merge.layers as LayeredVideoValue;
    };
    const macro = await run(macroWorkflow());
    const expanded = await run(expandMacro(macroWorkflow(), 'dec'));
    assert.deepEqual(macro.layers, ['foreground', 'alpha', 'background', 'blend']);
    for (const layer of macro.layers) assert.deepEqual(macro.clips[layer].data, expanded.clips[layer].data, layer);
    assert.equal(macro.clips.foreground.frames, 16);
  });
});
