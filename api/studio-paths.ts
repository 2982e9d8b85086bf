import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the studio keeps its files under the data folder (the job queue writes outputs under jobs/). */
export function studioPaths(dataDir: string) {
  return {
    workflows: join(dataDir, 'workflows'),
    presets: join(dataDir, 'presets'),
    jobs: join(dataDir, 'jobs'),
    outputs: join(dataDir, 'jobs', 'outputs'),
    packs: join(dataDir, 'packs'),
    /** Files the user picked in the browser, uploaded for the file nodes to read. */
    inputs: join(dataDir, 'inputs'),
  };
}

/** The studio's data folder when none is given: $LAYERFLOW_DATA, else ~/.layerflow. */
export function defaultDataDir(): string {
  return process.env.LAYERFLOW_DATA ?? join(homedir(), '.layerflow');
}
