import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';

/** Text layers in prompt order; the RGBA variant's foreground prompt covers the alpha sub-clip too. */
export const TEXT_LAYERS = ['foreground', 'background', 'blend'] as const;

export interface LayerTextValue {
  layers: string[];
  /** Prompts as the model sees them, with the reference's "i, " index prefix. */
  prompts: string[];
  /** Empty: the unconditional rows are zero embeddings, as the reference samples. */
  negative: string;
}

/** The reference's index modification (data_video.py): layer i's prompt is prefixed "i, ". */
export function indexPrompts(prompts: readonly string[]): string[] {
  return prompts.map((p, i) => `${i}, ${p.trim()}`);
}

const prompt = (label: string) => z.string().max(2000).meta({ widget: 'textarea', label });

export const layerPrompts = defineNode({
  type: 'layerflow.layer-prompts',
  version: 1,
  category: 'LayerFlow',
  title: 'Layer Prompts',
  docs: 'One prompt per layer (foreground, background, blended scene) and an optional negative prompt. Applies the reference index prefix ("0, ", "1, ", "2, "). With an empty negative prompt the unconditional rows are zero embeddings, exactly as the reference samples.',
  purity: 'pure',
  inputs: {},
  outputs: { text: { type: { kind: 'LayerText', layers: [...TEXT_LAYERS] } } },
  params: z.object({
    foreground: prompt('Foreground').default('a red circle moving right'),
    background: prompt('Background').default('a sunset gradient'),
    blend: prompt('Blended scene').default('a red circle moving right over a sunset gradient'),
    negative: prompt('Negative').default(''),
  }),
  infer: (_inputs, params) => ({
    outputs: { text: { kind: 'LayerText', layers: [...TEXT_LAYERS] } },
    issues: (['foreground', 'background', 'blend'] as const)
      .filter((k) => params[k].trim() === '')
      .map((k) => ({ field: k, code: 'empty-prompt', message: `the ${k} prompt is empty` })),
  }),
  async run(_inputs, params) {
    const value: LayerTextValue = {
      layers: [...TEXT_LAYERS],
      prompts: indexPrompts([params.foreground, params.background, params.blend]),
      negative: params.negative.trim(),
    };
    return { text: value };
  },
});
