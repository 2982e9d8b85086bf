import { useState } from 'react';
import { api } from '../api-client.ts';
import { paramFields } from '../model/param-fields.ts';
import { activeTab, getState, toast } from '../state/store.ts';

/** Saves the active workflow as a preset: a name, a title, and which params its form exposes. */
export function SavePresetDialog({ onClose }: { onClose(saved: boolean): void }) {
  const tab = activeTab();
  const doc = tab.history.present;
  const catalogue = getState().catalogue;
  const all = Object.entries(doc.nodes).flatMap(([id, n]) => {
    const info = catalogue?.nodes.find((i) => i.type === n.type);
    return info
      ? paramFields(info.params).map((f) => ({ node: id, param: f.name, label: `${info.title} · ${f.label}` }))
      : [];
  });
  const [name, setName] = useState(tab.name.replace(/[^\w .-]/g, '').trim() || 'my-preset');
  // A tab nobody named yet has nothing worth offering as the preset's title.
  const [title, setTitle] = useState(doc.meta?.title ?? (tab.file ? tab.name : ''));
  const [description, setDescription] = useState(doc.meta?.description ?? '');
  const [chosen, setChosen] = useState(new Set((doc.form ?? []).map((f) => `${f.node}.${f.param}`)));
  async function save(): Promise<void> {
    const form = all.filter((f) => chosen.has(`${f.node}.${f.param}`)).map(({ node, param }) => ({ node, param }));
    try {
      const meta = { ...doc.meta, title: title.trim() || name, description };
      await api.presets.save.mutate({ name, workflow: { ...doc, meta }, form });
      toast(`Saved preset "${name}"`, 'info');
      onClose(true);
    } catch (err) {
      toast(`Could not save preset: ${(err as Error).message}`);
    }
  }
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="Save as preset">
        <h2>Save as preset</h2>
        <label>
          File name
          <input value={name} onChange={(e) => setName(e.target.value)} name="preset-name" />
        </label>
        <label>
          Title
          <input value={title} placeholder={name} onChange={(e) => setTitle(e.target.value)} name="preset-title" />
        </label>
        <label>
          Description
          <textarea rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <fieldset>
          <legend>Fields in the form</legend>
          {all.length === 0 && <div className="empty">This workflow has no params.</div>}
          {all.map((f) => {
            const key = `${f.node}.${f.param}`;
            return (
              <label key={key} className="check">
                <input
                  type="checkbox"
                  checked={chosen.has(key)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(key);
                    else next.delete(key);
                    setChosen(next);
                  }}
                />
                {f.label}
              </label>
            );
          })}
        </fieldset>
        <div className="row end">
          <button type="button" onClick={() => onClose(false)}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={() => void save()}>
            Save preset
          </button>
        </div>
      </div>
    </div>
  );
}
