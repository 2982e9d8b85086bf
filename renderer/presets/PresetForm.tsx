import { ParamWidget } from '../editor/ParamWidget.tsx';
import { setParam } from '../model/graph-doc.ts';
import { paramFields } from '../model/param-fields.ts';
import { runWorkflow } from '../run/runs.ts';
import { activeTab, editDoc, updateTab, useStudio } from '../state/store.ts';

/** A preset as a plain form: only the params its author exposed, then Run. */
export function PresetForm({ packs }: { packs: string[] }) {
  const tab = useStudio((s) => activeTab(s));
  const catalogue = useStudio((s) => s.catalogue);
  const analysis = useStudio((s) => s.analysis[s.active]);
  const issues = analysis?.issues ?? [];
  const doc = tab.history.present;
  return (
    <div className="preset-form">
      <h2>{doc.meta?.title ?? tab.name}</h2>
      {doc.meta?.description && <p className="description">{doc.meta.description}</p>}
      {(doc.form ?? []).map((f) => {
        const node = doc.nodes[f.node];
        const info = catalogue?.nodes.find((n) => n.type === node?.type);
        const field = info && paramFields(info.params).find((p) => p.name === f.param);
        if (!node || !field)
          return (
            <div key={`${f.node}.${f.param}`} className="node-error">
              missing field {f.node}.{f.param}
            </div>
          );
        const error = issues.find((i) => i.nodeId === f.node && i.field === f.param)?.message;
        return (
          <ParamWidget
            key={`${f.node}.${f.param}`}
            field={{ ...field, label: f.label ?? field.label }}
            value={node.params[f.param]}
            error={error}
            packs={packs}
            onChange={(v) => editDoc((d) => setParam(d, f.node, f.param, v))}
          />
        );
      })}
      <div className="row">
        <button type="button" className="primary" onClick={() => void runWorkflow()}>
          Run
        </button>
        <button type="button" onClick={() => updateTab(tab.id, (t) => ({ ...t, view: 'graph' }))}>
          Show graph
        </button>
      </div>
    </div>
  );
}
