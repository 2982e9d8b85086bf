import { useEffect, useState } from 'react';
import type { PresetSummary, WorkflowDoc } from '../../api/schemas.ts';
import { api } from '../api-client.ts';
import { newTab, openTab, toast } from '../state/store.ts';

/** Opens a preset in a new tab, as its graph or as its form. */
export async function openPreset(name: string, view: 'graph' | 'form'): Promise<void> {
  try {
    const doc: WorkflowDoc = await api.presets.load.query({ name });
    openTab({ ...newTab(doc.meta?.title ?? name, doc), view: view === 'form' && doc.form?.length ? 'form' : 'graph' });
  } catch (err) {
    toast(`Could not open preset "${name}": ${(err as Error).message}`);
  }
}

export function PresetPanel({ version }: { version: number }) {
  const [presets, setPresets] = useState<PresetSummary[]>();
  useEffect(() => {
    void version;
    api.presets.list.query().then(setPresets, (err: Error) => toast(`Could not list presets: ${err.message}`));
  }, [version]);
  if (!presets) return <div className="empty">Loading presets…</div>;
  if (presets.length === 0) return <div className="empty">No presets yet. Save a workflow as one.</div>;
  return (
    <ul className="preset-list">
      {presets.map((p) => (
        <li key={p.name} data-preset={p.name}>
          <strong>{p.title}</strong>
          <em>{p.source === 'user' ? 'yours' : 'built in'}</em>
          {p.description && <p title={p.description}>{p.description}</p>}
          <div className="row">
            <button type="button" className="small" onClick={() => void openPreset(p.name, 'form')}>
              Form
            </button>
            <button type="button" className="small" onClick={() => void openPreset(p.name, 'graph')}>
              Graph
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}
