import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';

export const add = defineNode({
  type: 'core.add',
  version: 1,
  category: 'Core',
  title: 'Add',
  docs: 'The sum of two numbers.',
  purity: 'pure',
  inputs: { a: { type: { kind: 'Number' } }, b: { type: { kind: 'Number' } } },
  outputs: { sum: { type: { kind: 'Number' } } },
  params: z.object({}),
  async run(inputs) {
    return { sum: (inputs.a as number) + (inputs.b as number) };
  },
});
