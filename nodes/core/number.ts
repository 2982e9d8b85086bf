import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';

export const number = defineNode({
  type: 'core.number',
  version: 1,
  category: 'Core',
  title: 'Number',
  docs: 'A constant number.',
  purity: 'pure',
  inputs: {},
  outputs: { value: { type: { kind: 'Number' } } },
  params: z.object({ value: z.number().default(0) }),
  async run(_inputs, params) {
    return { value: params.value };
  },
});
