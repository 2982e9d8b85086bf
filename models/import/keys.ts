import { CheckpointError } from './errors.ts';

/** A file's tensor under an architecture's parameter name: its key in the file and its shape. */
export interface StoredTensor<T> {
  key: string;
  shape: readonly number[];
  tensor: T;
}

const LISTED = 12;
const list = (keys: string[]) =>
  keys.length > LISTED ? `${keys.slice(0, LISTED).join(', ')} … and ${keys.length - LISTED} more` : keys.join(', ');

/**
 * Checks a file's tensors against an architecture's parameters (name → shape): every parameter present
 * (unless `absent` allows it), nothing else, every shape equal. One error lists all that is wrong, by the
 * file's keys (`prefix` + name for missing ones); its code is the first kind of problem found.
 */
export function checkStateDict(
  file: string,
  stored: ReadonlyMap<string, StoredTensor<unknown>>,
  shapes: ReadonlyMap<string, readonly number[]>,
  absent: (name: string) => boolean,
  prefix: string,
): void {
  const missing: string[] = [];
  const wrongShape: string[] = [];
  for (const [name, dims] of shapes) {
    const t = stored.get(name);
    if (!t) {
      if (!absent(name)) missing.push(prefix + name);
    } else if (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i])) {
      wrongShape.push(`${t.key} is [${t.shape.join(', ')}], the config needs [${dims.join(', ')}]`);
    }
  }
  const unexpected = [...stored].filter(([name]) => !shapes.has(name)).map(([, t]) => t.key);
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.length} key(s): ${list(missing)}`);
  if (unexpected.length) parts.push(`${unexpected.length} unexpected key(s): ${list(unexpected)}`);
  if (wrongShape.length) parts.push(`${wrongShape.length} shape mismatch(es): ${list(wrongShape)}`);
  if (!parts.length) return;
  const code = missing.length ? 'missing-keys' : unexpected.length ? 'unexpected-keys' : 'shape-mismatch';
  const keys = [...missing, ...unexpected, ...wrongShape.map((w) => w.split(' ')[0])];
  throw new CheckpointError(code, file, keys, parts.join('; '));
}
