import { isDirty, newTab, openTab, setState, useStudio } from './state/store.ts';
import { requestCloseTab } from './WorkflowFiles.tsx';

/** Open workflows as tabs; a dot marks unsaved edits (kept across reloads by the autosave). */
export function TabBar() {
  const tabs = useStudio((s) => s.tabs);
  const active = useStudio((s) => s.active);
  return (
    <nav className="tab-bar" aria-label="Open workflows">
      {tabs.map((t) => {
        const dirty = isDirty(t);
        return (
          <div
            key={t.id}
            className={`tab${t.id === active ? ' active' : ''}`}
            data-tab={t.name}
            data-dirty={dirty || undefined}
          >
            <button
              type="button"
              className="tab-name"
              aria-current={t.id === active ? 'page' : undefined}
              onClick={() => setState((s) => ({ ...s, active: t.id }))}
            >
              {t.name}
              {dirty && (
                <span className="dirty" title="Unsaved changes" aria-label="unsaved changes">
                  {' •'}
                </span>
              )}
            </button>
            <button
              type="button"
              className="tab-close"
              title={`Close ${t.name}`}
              aria-label={`Close ${t.name}`}
              onClick={() => void requestCloseTab(t.id)}
            >
              ×
            </button>
          </div>
        );
      })}
      <button type="button" className="tab-new" title="New workflow" onClick={() => openTab(newTab('Untitled'))}>
        +
      </button>
    </nav>
  );
}
