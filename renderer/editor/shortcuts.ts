import type { WorkflowDoc } from '../../api/schemas.ts';
import {
  addGroup,
  bypassRefusal,
  type Clip,
  copyNodes,
  pasteClip,
  roomyOffset,
  toggleMode,
} from '../model/graph-doc.ts';
import { runWorkflow } from '../run/runs.ts';
import { activeTab, editDoc, getState, redoDoc, setSelected, toast, undoDoc } from '../state/store.ts';

let clipboard: Clip | undefined;

export function hasClipboard(): boolean {
  return clipboard !== undefined;
}

export function copySelection(ids: string[]): void {
  clipboard = copyNodes(activeTab().history.present, ids);
}

/** Pastes what was copied; `withLinks` keeps its links from nodes outside it (Ctrl+Shift+V). */
export function pasteClipboard(withLinks: boolean): void {
  if (clipboard) paste(clipboard, withLinks);
}

/** Pastes a clip beside where it came from and selects the pasted nodes. */
function paste(clip: Clip, withLinks: boolean): void {
  let ids: string[] = [];
  editDoc((d: WorkflowDoc) => {
    const offset = roomyOffset(d, Object.values(clip.layout), { x: 40, y: 40 });
    const pasted = pasteClip(d, clip, offset, withLinks);
    ids = pasted.ids;
    return pasted.doc;
  });
  setSelected(ids);
}

/** Ctrl+B on the selection; refused, with the reason, when a node has nothing to pass on. */
export function toggleBypass(ids: string[]): void {
  const { catalogue } = getState();
  const doc = activeTab().history.present;
  const turningOn = !ids.every((id) => doc.nodes[id]?.mode === 'bypass');
  const refusal = turningOn && catalogue ? ids.map((id) => bypassRefusal(catalogue, doc, id)).find(Boolean) : undefined;
  if (refusal) toast(`Bypass refused: ${refusal}`);
  else editDoc((d) => toggleMode(d, ids, 'bypass'));
}

export function toggleMute(ids: string[]): void {
  editDoc((d) => toggleMode(d, ids, 'mute'));
}

export function duplicate(ids: string[]): void {
  paste(copyNodes(activeTab().history.present, ids), false);
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return (
    !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
  );
}

/** Editor keyboard shortcuts; keys typed into fields are left to the fields. */
export function onShortcut(e: KeyboardEvent, actions: { save(as: boolean): void; help(): void }): void {
  const mod = e.ctrlKey || e.metaKey;
  if (e.key === '?' && !mod && !typing(e.target)) {
    e.preventDefault();
    actions.help();
    return;
  }
  if (!mod) return;
  const key = e.key.toLowerCase();
  if (key === 's') {
    e.preventDefault();
    actions.save(e.shiftKey);
    return;
  }
  if (key === 'enter') {
    e.preventDefault();
    e.stopPropagation();
    void runWorkflow(e.shiftKey ? activeTab().selected : undefined);
    return;
  }
  if (typing(e.target)) return;
  const tab = activeTab();
  if (key === 'z' && !e.shiftKey) undoDoc();
  else if ((key === 'z' && e.shiftKey) || key === 'y') redoDoc();
  else if (key === 'c' && tab.selected.length) clipboard = copyNodes(tab.history.present, tab.selected);
  else if (key === 'v' && clipboard) paste(clipboard, e.shiftKey);
  else if (key === 'd' && tab.selected.length) duplicate(tab.selected);
  else if (key === 'b' && tab.selected.length) toggleBypass(tab.selected);
  else if (key === 'm' && tab.selected.length) toggleMute(tab.selected);
  else if (key === 'g' && tab.selected.length) editDoc((d) => addGroup(d, tab.selected, 'Group'));
  else if (key === 'a') setSelected(Object.keys(tab.history.present.nodes));
  else return;
  e.preventDefault();
}
