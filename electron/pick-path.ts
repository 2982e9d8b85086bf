import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { PickRequestSchema, type PickResult } from '../api/pick-path.ts';

/** Electron's `dialog.showOpenDialog`, passed in so this runs (and is tested) without Electron. */
export interface OpenDialog {
  showOpenDialog(
    window: unknown,
    opts: { properties: string[]; filters?: { name: string; extensions: string[] }[] },
  ): Promise<{ canceled: boolean; filePaths: string[] }>;
}

/**
 * Opens the native dialog for a file param and checks what comes back before the page gets it: a file of
 * the field's kinds (or a folder for frames) that can be read. The dialog's filter alone does not hold:
 * users type names past it, and some desktops offer "All files".
 */
export async function pickPath(dialog: OpenDialog, window: unknown, request: unknown): Promise<PickResult> {
  const parsed = PickRequestSchema.safeParse(request);
  if (!parsed.success) return { error: `the file request is malformed: ${z.prettifyError(parsed.error)}` };
  const { folder, extensions, field } = parsed.data;
  const filters = !folder && extensions.length ? [{ name: 'Media', extensions }] : undefined;
  const picked = await dialog.showOpenDialog(window, { properties: [folder ? 'openDirectory' : 'openFile'], filters });
  const path = picked.filePaths[0];
  if (picked.canceled || !path) return { canceled: true };
  const problem = await refusal(path, folder, extensions);
  return problem ? { error: `${field}: ${problem}` } : { path };
}

/** Why the chosen path cannot feed the field; undefined when it can. */
async function refusal(path: string, folder: boolean, extensions: string[]): Promise<string | undefined> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => err);
  if (info instanceof Error) return `cannot read “${path}” (${info.code ?? info.message})`;
  if (folder) return info.isDirectory() ? undefined : `“${path}” is not a folder of frames`;
  if (!info.isFile()) return `“${path}” is not a file`;
  const ext = extname(path).slice(1).toLowerCase();
  if (extensions.length && !extensions.some((e) => e.toLowerCase() === ext)) {
    return `“${path}” is not a file it reads (${extensions.join(', ')})`;
  }
  return undefined;
}
