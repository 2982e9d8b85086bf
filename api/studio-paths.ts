import { join } from 'node:path';
import { defaultDataDir, installedPacksDir } from '../models/pack/installed.ts';

/** Where the studio keeps its files under the data folder (the job queue writes outputs under jobs/). */
export function studioPaths(dataDir: string) {
  return {
    workflows: join(dataDir, 'workflows'),
    presets: join(dataDir, 'presets'),
    jobs: join(dataDir, 'jobs'),
    outputs: join(dataDir, 'jobs', 'outputs'),
    packs: installedPacksDir(dataDir),
    /** Files the user picked in the browser, uploaded for the file nodes to read. */
    inputs: join(dataDir, 'inputs'),
  };
}

export { defaultDataDir };
