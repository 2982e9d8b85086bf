import { autosave, restore } from '../model/autosave.ts';
import { getState, newTab, type StudioState, setState } from './store.ts';

/** Reopens the tabs of the last session, if a good autosave exists. */
export function restoreSession(): void {
  const saved = restore(localStorage);
  if (!saved) return;
  const tabs = saved.tabs.map((t) => newTab(t.name, t.doc, t.file));
  setState((s) => ({ ...s, tabs, active: tabs[saved.active].id }));
}

/** Saves the open tabs to localStorage shortly after each change. */
export function keepAutosaving(subscribe: (l: () => void) => () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: StudioState['tabs'] | undefined;
  return subscribe(() => {
    const { tabs } = getState();
    if (tabs === last) return;
    last = tabs;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const s = getState();
      autosave(localStorage, {
        tabs: s.tabs.map((t) => ({ name: t.name, doc: t.history.present, file: t.file })),
        active: Math.max(
          0,
          s.tabs.findIndex((t) => t.id === s.active),
        ),
      });
    }, 400);
  });
}
