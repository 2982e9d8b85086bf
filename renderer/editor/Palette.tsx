import { useMemo, useState } from 'react';
import type { NodeInfo } from '../../api/schemas.ts';
import { useStudio } from '../state/store.ts';

export const NODE_DRAG_TYPE = 'application/x-layerflow-node';

/** The node catalogue by category, searchable; drag a node onto the canvas or click to add it. */
export function Palette({ onAdd }: { onAdd(info: NodeInfo): void }) {
  const catalogue = useStudio((s) => s.catalogue);
  const [query, setQuery] = useState('');
  const byCategory = useMemo(() => {
    const q = query.trim().toLowerCase();
    const groups = new Map<string, NodeInfo[]>();
    for (const n of catalogue?.nodes ?? []) {
      if (q && !`${n.title} ${n.type} ${n.category} ${n.docs}`.toLowerCase().includes(q)) continue;
      groups.set(n.category, [...(groups.get(n.category) ?? []), n]);
    }
    return [...groups];
  }, [catalogue, query]);
  return (
    <div className="palette">
      <input type="search" placeholder="Search nodes…" value={query} onChange={(e) => setQuery(e.target.value)} />
      {!catalogue && <div className="empty">Loading nodes…</div>}
      {byCategory.map(([category, nodes]) => (
        <section key={category}>
          <h3>{category}</h3>
          {nodes.map((n) => (
            <button
              key={n.type}
              type="button"
              className="palette-item"
              draggable
              data-node-type={n.type}
              title={n.docs}
              onDragStart={(e) => {
                e.dataTransfer.setData(NODE_DRAG_TYPE, n.type);
                e.dataTransfer.effectAllowed = 'move';
              }}
              onClick={() => onAdd(n)}
            >
              {n.title}
            </button>
          ))}
        </section>
      ))}
    </div>
  );
}
