import type { WorkflowDoc } from '../../api/schemas.ts';
import { EMPTY_DOC } from './graph-doc.ts';

/** What survives a crash: the open tabs and which one was active. */
export interface SavedSession {
  /** `dirty`: the tab held changes not saved in its file, so it reopens marked unsaved. */
  tabs: { name: string; doc: WorkflowDoc; file?: string; dirty?: boolean }[];
  active: number;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Documents of another schemaVersion are not restored: only the engine migrates, and it is not here. */
const CURRENT_VERSION = EMPTY_DOC.schemaVersion;

/** The document's outer shape; the renderer imports API types only, so this stands in for the schema. */
function isDoc(v: unknown): v is WorkflowDoc {
  const d = v as WorkflowDoc;
  return (
    typeof d === 'object' &&
    d !== null &&
    d.schemaVersion === CURRENT_VERSION &&
    typeof d.nodes === 'object' &&
    d.nodes !== null &&
    Object.values(d.nodes).every(
      (n) => typeof n?.type === 'string' && typeof n.params === 'object' && typeof n.inputs === 'object',
    )
  );
}

export const AUTOSAVE_KEY = 'layerflow.autosave.v2';

/**
 * Saves the session only when every tab is a well-formed document that reads back identically, so a
 * bug that produced a broken document never overwrites the last good save. Returns whether it saved.
 */
export function autosave(store: KeyValueStore, session: SavedSession): boolean {
  let text: string;
  try {
    text = JSON.stringify(session);
  } catch {
    return false;
  }
  const back = JSON.parse(text) as SavedSession;
  if (!Array.isArray(back.tabs) || back.tabs.length === 0) return false;
  if (!back.tabs.every((t) => typeof t.name === 'string' && isDoc(t.doc))) return false;
  store.setItem(AUTOSAVE_KEY, text);
  return true;
}

/** The last good session, or undefined when there is none or it does not parse. */
export function restore(store: KeyValueStore): SavedSession | undefined {
  const text = store.getItem(AUTOSAVE_KEY);
  if (!text) return undefined;
  try {
    const s = JSON.parse(text) as SavedSession;
    const ok = Array.isArray(s.tabs) && s.tabs.length > 0 && s.tabs.every((t) => isDoc(t.doc));
    return ok ? { ...s, active: Math.min(Math.max(0, s.active | 0), s.tabs.length - 1) } : undefined;
  } catch {
    return undefined;
  }
}
