import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { MANIFEST_FILE } from './manifest-file.ts';

/** The studio's data folder when none is given: $LAYERFLOW_DATA, else ~/.layerflow. */
export function defaultDataDir(): string {
  return process.env.LAYERFLOW_DATA ?? join(homedir(), '.layerflow');
}

/** Where `layerflow pack import` puts packs and where pack names are looked up: <data folder>/packs. */
export function installedPacksDir(dataDir = defaultDataDir()): string {
  return join(dataDir, 'packs');
}

/**
 * The folder a pack name or path means: a bare name of an installed pack (`layerflow-rgba`) is looked up
 * in the installed packs folder, anything else is a path.
 */
export function resolvePackPath(name: string): string {
  const bare = !isAbsolute(name) && !/[\\/]/.test(name) && name !== '.' && name !== '..';
  if (bare) {
    const installed = join(installedPacksDir(), name);
    if (existsSync(join(installed, MANIFEST_FILE)) && !existsSync(join(resolve(name), MANIFEST_FILE))) return installed;
  }
  return resolve(name);
}
