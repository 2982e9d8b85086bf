import { z } from 'zod';

/**
 * The desktop app's native file dialog for file params, as the page asks it (preload.ts
 * `layerflowDesktop.pickPath`) and as the main process answers (electron/pick-path.ts).
 */
export const PICK_PATH_CHANNEL = 'layerflow:pick-path';

const EXTENSION = /^\w{1,10}$/;

export const PickRequestSchema = z.object({
  /** A folder (an image sequence) rather than one file. */
  folder: z.boolean().default(false),
  /** The file kinds the field reads; odd entries are dropped rather than handed to the dialog. */
  extensions: z
    .array(z.string())
    .max(50)
    .default([])
    .transform((xs) => xs.filter((x) => EXTENSION.test(x)).slice(0, 20)),
  /** Whose field it is ("Load Video · File"), so a refusal names the node. */
  field: z.string().max(200).default('file'),
});
export type PickRequest = z.input<typeof PickRequestSchema>;

/** The path chosen, the dialog cancelled, or why the chosen file cannot be used. */
export const PickResultSchema = z.union([
  z.object({ path: z.string() }),
  z.object({ canceled: z.literal(true) }),
  z.object({ error: z.string() }),
]);
export type PickResult = z.infer<typeof PickResultSchema>;
