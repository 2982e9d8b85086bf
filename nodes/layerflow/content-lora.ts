import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';
import { handleOf, type ModelHandle } from './values.ts';

export const contentLora = defineNode({
  type: 'layerflow.content-lora',
  version: 1,
  category: 'LayerFlow',
  title: 'Content LoRA',
  docs:
    'Sets the strength of the content ("spatial") LoRA (rank 256 on every attention linear, reference ' +
    'lora.py), which carries the layer-aware fine-tuning: 1 samples as trained, 0 falls back towards the ' +
    'base model. The strength is an input of the transformer graph (`content_scale`), so changing it reloads nothing.',
  purity: 'pure',
  inputs: { model: { type: { kind: 'Model' } } },
  outputs: { model: { type: { kind: 'Model' } } },
  params: z.object({
    strength: z
      .number()
      .min(0)
      .max(2)
      .default(1)
      .meta({ widget: 'slider', min: 0, max: 2, step: 0.05, label: 'Strength' }),
  }),
  infer: (inputs, params) => ({
    outputs: { model: { ...(inputs.model ?? { kind: 'Model' }), contentScale: params.strength } },
  }),
  async run(inputs, params) {
    const model = handleOf<ModelHandle>(inputs.model, 'model');
    return { model: { ...model, contentScale: params.strength } satisfies ModelHandle };
  },
});
