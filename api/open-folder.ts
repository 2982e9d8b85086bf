import { spawn } from 'node:child_process';

/** What opening a folder in the desktop's file manager came to. */
export interface OpenFolderResult {
  path: string;
  opened: boolean;
  /** Why not, when not opened (no file manager on a headless machine, …). */
  reason?: string;
}

/** Opens a folder on this machine; the server is loopback-only, so this is the user's own desktop. */
export type FolderOpener = (path: string) => Promise<OpenFolderResult>;

const OPENER: Partial<Record<NodeJS.Platform, string>> = { linux: 'xdg-open', darwin: 'open', win32: 'explorer' };

/**
 * The platform's file manager (xdg-open, open, explorer; `LAYERFLOW_OPEN_FOLDER` names another command),
 * detached so that closing the studio leaves it open.
 */
export const openFolder: FolderOpener = (path) =>
  new Promise((resolve) => {
    const command = process.env.LAYERFLOW_OPEN_FOLDER || (OPENER[process.platform] ?? 'xdg-open');
    const child = spawn(command, [path], { detached: true, stdio: 'ignore' });
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve({
        path,
        opened: false,
        reason: err.code === 'ENOENT' ? `${command} is not installed` : `${command}: ${err.message}`,
      }),
    );
    child.once('spawn', () => {
      child.unref();
      resolve({ path, opened: true });
    });
  });
