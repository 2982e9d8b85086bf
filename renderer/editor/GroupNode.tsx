import type { Node, NodeProps } from '@xyflow/react';
import { useState } from 'react';
import { removeGroup, renameGroup } from '../model/graph-doc.ts';
import { editDoc } from '../state/store.ts';

export type GroupNodeType = Node<{ title: string; groupId: string }, 'lfgroup'>;

/** A named frame behind its member nodes; dragging its title bar moves them all; double-click renames it. */
export function GroupNode({ data }: NodeProps<GroupNodeType>) {
  const [editing, setEditing] = useState(false);
  const done = (title: string | undefined) => {
    setEditing(false);
    if (title !== undefined) editDoc((d) => renameGroup(d, data.groupId, title));
  };
  return (
    <div className="lf-group" data-group-id={data.groupId}>
      <header>
        {editing ? (
          <input
            className="nodrag"
            aria-label="Group title"
            defaultValue={data.title}
            autoFocus
            onBlur={(e) => done(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') done(e.currentTarget.value);
              if (e.key === 'Escape') done(undefined);
            }}
          />
        ) : (
          <span title="Drag to move the group; double-click to rename" onDoubleClick={() => setEditing(true)}>
            {data.title}
          </span>
        )}
        <button
          type="button"
          className="nodrag"
          title="Ungroup"
          onClick={() => editDoc((d) => removeGroup(d, data.groupId))}
        >
          ×
        </button>
      </header>
    </div>
  );
}
