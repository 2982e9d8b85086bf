import type { WorkflowDoc } from '../../api/schemas.ts';
import { addGroup, type Clip, copyNodes, pasteClip } from '../model/graph-doc.ts';
import { runWorkflow } from '../run/runs.ts';
import { activeTab, editDoc, redoDoc, setSelected, undoDoc } from '../state/store.ts';

let clipboard: Clip | undefined;

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return (
    !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
  );
}

/** Editor keyboard shortcuts; keys typed into fields are left to the fields. */
export function onShortcut(e: KeyboardEvent, actions: { save(as: boolean): void }): void {
  const mod = e.ctrlKey || e.metaKey;
  if (!mod) return;
  const key = e.key.toLowerCase();
  if (key === 's') {
    e.preventDefault();
    actions.save(e.shiftKey);
    return;
  }
  if (key === 'enter') {
    e.preventDefault();
    void runWorkflow(e.shiftKey ? activeTab().selected : undefined);
    return;
  }
  if (typing(e.target)) return;
  const tab = activeTab();
  if (key === 'z' && !e.shiftKey) undoDoc();
  else if ((key === 'z' && e.shiftKey) || key === 'y') redoDoc();
  else if (key === 'c' && tab.selected.length) clipboard = copyNodes(tab.history.present, tab.selected);
  else if (key === 'v' && clipboard) {
    const clip = clipboard;
    let ids: string[] = [];
    editDoc((d: WorkflowDoc) => {
      const pasted = pasteClip(d, clip, { x: 40, y: 40 });
      ids = pasted.ids;
      return pasted.doc;
    });
    setSelected(ids);
  } else if (key === 'g' && tab.selected.length) editDoc((d) => addGroup(d, tab.selected, 'Group'));
  else if (key === 'a') setSelected(Object.keys(tab.history.present.nodes));
  else return;
  e.preventDefault();
}
