import { useEffect, useState } from 'react';
import type { OutputFile } from '../../api/schemas.ts';
import { api, fileUrl } from '../api-client.ts';

/** The parts of a run manifest (graph-engine/manifest.ts) the editor reads. */
export interface RunManifest extends Record<string, unknown> {
  status?: string;
  files?: { path: string }[];
  /** What each node reported, free-form: a save node's `files` and which of them carry alpha (`withAlpha`). */
  facts?: Record<string, unknown>;
  workflow?: { nodes?: Record<string, { title?: string } | undefined> };
}

/** A job's output files and its manifest, fetched again when its status changes (e.g. once it ends). */
export function useJobOutputs(jobId: string | undefined, status: string | undefined) {
  const [files, setFiles] = useState<OutputFile[]>([]);
  const [manifest, setManifest] = useState<RunManifest>();
  useEffect(() => {
    setFiles([]);
    setManifest(undefined);
    if (!jobId) return;
    let stale = false;
    void api.outputs.list.query({ jobId }).then(async (list) => {
      if (stale) return;
      setFiles(list);
      const m = list.find((f) => f.path === 'manifest.json');
      const read = m ? ((await (await fetch(fileUrl(m.url))).json()) as RunManifest) : undefined;
      if (!stale) setManifest(read);
    });
    return () => {
      stale = true;
    };
  }, [jobId, status]);
  return { files, manifest };
}
