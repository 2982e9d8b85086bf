import { closeTab, newTab, openTab, setState, useStudio } from './state/store.ts';

/** Open workflows as tabs; a dot marks unsaved edits. */
export function TabBar() {
  const tabs = useStudio((s) => s.tabs);
  const active = useStudio((s) => s.active);
  return (
    <nav className="tab-bar">
      {tabs.map((t) => (
        <div key={t.id} className={`tab${t.id === active ? ' active' : ''}`} data-tab={t.name}>
          <button type="button" className="tab-name" onClick={() => setState((s) => ({ ...s, active: t.id }))}>
            {t.name}
            {t.history.past.length > 0 ? ' •' : ''}
          </button>
          <button type="button" className="tab-close" title="Close" onClick={() => closeTab(t.id)}>
            ×
          </button>
        </div>
      ))}
      <button type="button" className="tab-new" title="New workflow" onClick={() => openTab(newTab('Untitled'))}>
        +
      </button>
    </nav>
  );
}
