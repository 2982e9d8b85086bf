import type { Node, NodeProps } from '@xyflow/react';
import { removeGroup } from '../model/graph-doc.ts';
import { editDoc } from '../state/store.ts';

export type GroupNodeType = Node<{ title: string; groupId: string }, 'lfgroup'>;

/** A named frame behind its member nodes; dragging its title bar moves them all. */
export function GroupNode({ data }: NodeProps<GroupNodeType>) {
  return (
    <div className="lf-group" data-group-id={data.groupId}>
      <header>
        <span>{data.title}</span>
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
