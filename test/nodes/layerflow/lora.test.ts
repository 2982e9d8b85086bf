import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentLora } from '../../../nodes/layerflow/content-lora.ts';
import { ditSampler } from '../../../nodes/layerflow/dit-sampler.ts';
import { emptyLatent } from '../../../nodes/layerflow/empty-latent.ts';
import { layerPrompts } from '../../../nodes/layerflow/layer-prompts.ts';
import { motionLora } from '../../../nodes/layerflow/motion-lora.ts';
import { textEncode } from '../../../nodes/layerflow/text-encode.ts';
import type { LatentValue, ModelHandle } from '../../../nodes/layerflow/values.ts';
import { handles, runNode } from './harness.ts';

/** One sampler step on the tiny pack (random weights: every LoRA weight shows in the output). */
async function sampleWith(model: ModelHandle): Promise<Float32Array> {
  const h = await handles('tiny-rgba');
  const { text } = await runNode(layerPrompts, {});
  const { conditioning } = await runNode(textEncode, { textEncoder: h.textEncoder, text });
  const { latent } = await runNode(emptyLatent, { model: h.model });
  const out = await runNode(ditSampler, { model, conditioning, latent }, { seed: 1, steps: 2 });
  return (out.latent as LatentValue).data;
}

describe('LoRA strength nodes', () => {
  it('motion LoRA is off by default (removed, as at inference) and sets motion_scale when enabled', async () => {
    const { model } = await handles('tiny-rgba');
    const off = (await runNode(motionLora, { model })).model as ModelHandle;
    assert.equal(off.motionScale, 0);
    const on = (await runNode(motionLora, { model }, { enabled: true, strength: 0.5 })).model as ModelHandle;
    assert.equal(on.motionScale, 0.5);
    assert.equal(on.pack, model.pack, 'same pack, nothing reloaded');
    assert.equal(model.motionScale, 0, 'the input handle is not changed');
    assert.deepEqual(await sampleWith(off), await sampleWith(model));
    assert.notDeepEqual(await sampleWith(on), await sampleWith(off));
  });

  it('content LoRA strength goes to content_scale and changes the result', async () => {
    const { model } = await handles('tiny-rgba');
    const half = (await runNode(contentLora, { model }, { strength: 0.25 })).model as ModelHandle;
    assert.equal(half.contentScale, 0.25);
    assert.equal(model.contentScale, 1);
    assert.notDeepEqual(await sampleWith(half), await sampleWith(model));
  });

  it('infer passes the pack type through with the new strength', () => {
    const type = { kind: 'Model', pack: 'tiny-rgba', variant: 'rgba' };
    assert.deepEqual(motionLora.infer?.({ model: type }, { enabled: true, strength: 2 }).outputs.model, {
      ...type,
      motionScale: 2,
    });
    assert.deepEqual(contentLora.infer?.({ model: type }, { strength: 0 }).outputs.model, { ...type, contentScale: 0 });
  });
});
