import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ANY_KIND } from '../../graph-engine/ports.ts';
import { defineNode } from '../../graph-engine/spec.ts';

export const saveText = defineNode({
  type: 'core.save-text',
  version: 1,
  category: 'Core',
  title: 'Save Text',
  docs: "Writes its input as text (JSON for anything but strings and numbers) into the run's output folder.",
  purity: 'sink',
  writesRunFiles: true,
  inputs: { value: { type: { kind: ANY_KIND } } },
  outputs: {},
  params: z.object({
    // Only text types: the studio serves run outputs, and an .html or .svg written here could hold script.
    filename: z
      .string()
      .regex(/^[\w][\w .-]*\.(txt|json)$/i, 'a .txt or .json file name without folders')
      .default('value.txt'),
  }),
  async run(inputs, params, ctx) {
    const { value } = inputs;
    const text = typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
    await writeFile(join(ctx.outDir, params.filename), `${text}\n`);
    return {};
  },
});
