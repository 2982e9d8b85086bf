import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';
import { handleOf, type ModelHandle } from './values.ts';

export const motionLora = defineNode({
  type: 'layerflow.motion-lora',
  version: 1,
  category: 'LayerFlow',
  title: 'Motion LoRA',
  docs:
    'Sets the strength of the motion LoRA (rank 8 on every attention linear, reference lora.py). Off by ' +
    'default: the reference trains it in stage 1 and removes it when sampling (scale 0). The strength is ' +
    'an input of the transformer graph (`motion_scale`), so changing it reloads nothing.',
  purity: 'pure',
  inputs: { model: { type: { kind: 'Model' } } },
  outputs: { model: { type: { kind: 'Model' } } },
  params: z.object({
    enabled: z.boolean().default(false).meta({ widget: 'toggle', label: 'Enabled' }),
    strength: z
      .number()
      .min(0)
      .max(2)
      .default(1)
      .meta({ widget: 'slider', min: 0, max: 2, step: 0.05, label: 'Strength (when enabled)' }),
  }),
  infer: (inputs, params) => ({
    outputs: { model: { ...(inputs.model ?? { kind: 'Model' }), motionScale: params.enabled ? params.strength : 0 } },
  }),
  async run(inputs, params) {
    const model = handleOf<ModelHandle>(inputs.model, 'model');
    return { model: { ...model, motionScale: params.enabled ? params.strength : 0 } satisfies ModelHandle };
  },
});
