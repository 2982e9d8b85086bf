import { autosave, restore } from '../model/autosave.ts';
import { getState, isDirty, newTab, type StudioState, setState } from './store.ts';

/** Reopens the tabs of the last session, if a good autosave exists, with their unsaved markers. */
export function restoreSession(): void {
  const saved = restore(localStorage);
  if (!saved) return;
  const tabs = saved.tabs.map((t) => newTab(t.name, t.doc, t.file, t.dirty ?? false));
  setState((s) => ({ ...s, tabs, active: tabs[saved.active].id }));
}

/** Writes the open tabs to localStorage now (also on the way out, so the last edit is never lost). */
export function saveSessionNow(): void {
  const s = getState();
  autosave(localStorage, {
    tabs: s.tabs.map((t) => ({ name: t.name, doc: t.history.present, file: t.file, dirty: isDirty(t) })),
    active: Math.max(
      0,
      s.tabs.findIndex((t) => t.id === s.active),
    ),
  });
}

/** Saves the open tabs to localStorage shortly after each change. */
export function keepAutosaving(subscribe: (l: () => void) => () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: StudioState['tabs'] | undefined;
  const stop = subscribe(() => {
    const { tabs } = getState();
    if (tabs === last) return;
    last = tabs;
    clearTimeout(timer);
    timer = setTimeout(saveSessionNow, 400);
  });
  return () => {
    clearTimeout(timer);
    stop();
  };
}
