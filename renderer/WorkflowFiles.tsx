import { useEffect, useRef, useState } from 'react';
import { api } from './api-client.ts';
import { Modal } from './Modal.tsx';
import { embeddedWorkflowText } from './model/embedded-workflow.ts';
import { ask, closeTab, getState, isDirty, markSaved, newTab, openTab, toast } from './state/store.ts';

/** Files a workflow can be opened from: workflow or manifest JSON, and outputs that embed their workflow. */
export const WORKFLOW_FILE_TYPES = '.json,.png,.webm,.mkv,.mp4,.mov';

/** A name for a file, from the tab's title: what the API accepts, or empty to make the user type one. */
function suggestedName(name: string): string {
  return name.replace(/[^\w .-]+/g, ' ').trim();
}

/**
 * Saves a tab to its workflow file; asks for a name (the app's own dialog, listing what it would replace)
 * the first time or when `askName`. Resolves whether it saved.
 */
export async function saveTab(tabId = getState().active, askName = false): Promise<boolean> {
  const tab = getState().tabs.find((t) => t.id === tabId);
  if (!tab) return false;
  let name = askName ? undefined : tab.file;
  if (!name) {
    const existing = await api.workflow.files.query().then(
      (files) => files.map((f) => f.name),
      () => [],
    );
    const answer = await ask({
      title: tab.file ? 'Save workflow as' : 'Save workflow',
      message: 'Saved workflows are listed under Open….',
      input: { label: 'Name', value: suggestedName(tab.file ?? tab.history.present.meta?.title ?? tab.name), existing },
      choices: [
        { value: 'cancel', label: 'Cancel' },
        { value: 'save', label: 'Save', kind: 'primary', needsText: true },
      ],
    });
    if (answer?.value !== 'save' || !answer.text) return false;
    name = answer.text;
  }
  const doc = tab.history.present;
  try {
    await api.workflow.save.mutate({ name, workflow: doc });
    markSaved(tab.id, name, doc);
    toast(`Saved "${name}"`, 'info');
    return true;
  } catch (err) {
    toast(`Could not save: ${(err as Error).message}`);
    return false;
  }
}

/** Closes a tab; one with unsaved changes first asks whether to save them. */
export async function requestCloseTab(tabId: string): Promise<void> {
  const tab = getState().tabs.find((t) => t.id === tabId);
  if (!tab) return;
  if (!isDirty(tab)) return closeTab(tabId);
  const answer = await ask({
    title: `Close “${tab.name}”?`,
    message: 'It has changes that are not saved in a workflow file.',
    choices: [
      { value: 'cancel', label: 'Cancel' },
      { value: 'discard', label: "Don't save", kind: 'danger' },
      { value: 'save', label: 'Save', kind: 'primary' },
    ],
  });
  if (answer?.value === 'discard' || (answer?.value === 'save' && (await saveTab(tabId)))) closeTab(tabId);
}

/**
 * Opens the workflow a file holds in a new tab: a workflow or manifest JSON, or an output whose workflow
 * was embedded when it was saved (PNG, WebM, MP4, MOV). Says plainly when the file holds none.
 */
export async function openWorkflowFile(file: File): Promise<void> {
  const text = embeddedWorkflowText(new Uint8Array(await file.arrayBuffer()));
  if (text === undefined) {
    toast(`${file.name} holds no LayerFlow workflow (open a workflow or manifest .json, or a file the app saved)`);
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    toast(`${file.name} is not valid JSON: ${(err as Error).message}`);
    return;
  }
  await openWorkflowJson(json, file.name);
}

/** Opens a workflow document or run manifest (migrated by the engine) in a new tab with unsaved changes. */
export async function openWorkflowJson(json: unknown, name: string): Promise<void> {
  try {
    const { workflow, title } = await api.workflow.import.mutate({ json, name });
    openTab(newTab(title, workflow, undefined, true));
  } catch (err) {
    toast(`Could not open ${name}: ${(err as Error).message}`);
  }
}

/** Lists saved workflow files (picking one opens it in a new tab), or opens one from disk. */
export function OpenWorkflowDialog({ onClose }: { onClose(): void }) {
  const [files, setFiles] = useState<{ name: string; modified: number }[]>();
  const picker = useRef<HTMLInputElement>(null);
  useEffect(() => {
    api.workflow.files.query().then(setFiles, (err: Error) => toast(err.message));
  }, []);
  async function open(name: string): Promise<void> {
    try {
      openTab(newTab(name, await api.workflow.load.query({ name }), name));
      onClose();
    } catch (err) {
      toast(`Could not open "${name}": ${(err as Error).message}`);
    }
  }
  return (
    <Modal label="Open workflow" onDismiss={onClose}>
      <h2>Open workflow</h2>
      {!files && <div className="empty">Loading…</div>}
      {files?.length === 0 && <div className="empty">No saved workflows yet.</div>}
      <ul className="file-list">
        {files?.map((f) => (
          <li key={f.name}>
            <button type="button" className="file" onClick={() => void open(f.name)}>
              {f.name} <em>{new Date(f.modified).toLocaleString()}</em>
            </button>
          </li>
        ))}
      </ul>
      <p className="hint">
        Or drop a workflow <code>.json</code>, a run’s <code>manifest.json</code> or a saved PNG/WebM/MP4 on the canvas.
      </p>
      <div className="row end">
        <input
          ref={picker}
          type="file"
          accept={WORKFLOW_FILE_TYPES}
          hidden
          aria-label="Workflow file from disk"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void openWorkflowFile(file).then(onClose);
          }}
        />
        <button type="button" onClick={() => picker.current?.click()}>
          From disk…
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
