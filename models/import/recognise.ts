import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CheckpointError } from './errors.ts';

/** The parts of a LayerFlow release found among the paths a user gave, as downloaded. */
export interface ReleaseParts {
  /** DiT checkpoint folders (`<name>/latest` + `<iteration>/mp_rank_00_model_states.pt`), by folder name. */
  dits: Map<string, string>;
  /** CogVideoX's `vae/3d-vae.pt`. */
  vae?: string;
  /** The Hugging Face T5 encoder folder (`t5-v1_1-xxl/`). */
  t5?: string;
}

const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
const isDitFolder = (p: string) => existsSync(join(p, 'latest'));
const isT5Folder = (p: string) =>
  existsSync(join(p, 'config.json')) &&
  (existsSync(join(p, 'model.safetensors.index.json')) || existsSync(join(p, 'model.safetensors')));

/**
 * Sorts the given paths into DiT folders, the VAE file and the T5 folder by name and layout: a released
 * checkpoint folder, a `.pt` file, a T5 folder, or a folder holding those (the `LayerFlow/` clone with the
 * eight checkpoint folders, `CogVideoX-2b-sat/` with `vae/3d-vae.pt` and `t5-v1_1-xxl/`, or their parent),
 * looked into at most three levels deep. Two of the same part, or a path with nothing to import, is an error
 * naming it; what each part really holds is checked when it is opened.
 */
export function recogniseRelease(paths: string[]): ReleaseParts {
  const parts: ReleaseParts = { dits: new Map() };
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new CheckpointError('missing-file', abs, [], 'no such file or folder');
    if (!visit(abs, parts, 3)) {
      throw new CheckpointError(
        'unrecognised',
        abs,
        [],
        'nothing to import here: expected LayerFlow checkpoint folders (with a `latest` file), ' +
          'CogVideoX-2b-sat/vae/3d-vae.pt or the t5-v1_1-xxl/ folder, or a folder holding them',
      );
    }
  }
  return parts;
}

/** Adds what `p` holds to `parts`; false when it holds nothing importable. */
function visit(p: string, parts: ReleaseParts, depth: number): boolean {
  if (!isDir(p)) {
    if (!p.endsWith('.pt')) return false;
    claim(parts, 'vae', p);
    return true;
  }
  if (isDitFolder(p)) {
    const name = basename(p);
    const known = parts.dits.get(name);
    if (known && known !== p) {
      throw new CheckpointError('duplicate-part', p, [], `a second checkpoint folder named ${name} (first: ${known})`);
    }
    parts.dits.set(name, p);
    return true;
  }
  if (isT5Folder(p)) {
    claim(parts, 't5', p);
    return true;
  }
  if (depth === 0) return false;
  let found = false;
  for (const entry of readdirSync(p).sort()) {
    if (entry.startsWith('.')) continue;
    const child = join(p, entry);
    // Inside a folder, only the VAE's own file name counts as a VAE (other .pt files may be anything).
    if (!isDir(child) && entry !== '3d-vae.pt') continue;
    found = visit(child, parts, depth - 1) || found;
  }
  return found;
}

function claim(parts: ReleaseParts, key: 'vae' | 't5', p: string): void {
  const known = parts[key];
  if (known && known !== p) {
    throw new CheckpointError(
      'duplicate-part',
      p,
      [],
      `a second ${key === 'vae' ? 'VAE file' : 'T5 folder'} (first: ${known})`,
    );
  }
  parts[key] = p;
}
