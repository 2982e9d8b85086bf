import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import { memo, useMemo } from 'react';
import type { Issue, MediaFacts, NodeInfo, Note, PortType } from '../../api/schemas.ts';
import { setParam } from '../model/graph-doc.ts';
import { paramFields } from '../model/param-fields.ts';
import type { NodeRun } from '../run/run-state.ts';
import { editDoc, useStudio } from '../state/store.ts';
import { cancelKeyboardLink, linkFromKeyboard, type PortRef } from './linking.ts';
import { ParamWidget } from './ParamWidget.tsx';

export interface FlowNodeData extends Record<string, unknown> {
  nodeId: string;
  type: string;
  info?: NodeInfo;
  params: Record<string, unknown>;
  issues: Issue[];
  run?: NodeRun;
  colors: Record<string, string>;
  packs: string[];
  /** Shapes of the node's outputs as inferred, shown next to each output socket. */
  outputTexts: Record<string, string>;
  /** What the node says about its inputs and params (resizes, caveats). */
  notes: Note[];
  /** What a file node's file holds: thumbnail, frames, size, fps. */
  media?: MediaFacts;
  /** Bypassed (passes an input on) or muted (left out of runs); absent: runs. */
  mode?: 'bypass' | 'mute';
  /** The name the user gave the node, shown instead of its type's title. */
  title?: string;
}

const MODE_LABEL = { bypass: 'bypassed', mute: 'muted' } as const;

export type FlowNodeType = Node<FlowNodeData, 'lf'>;

function colorOf(colors: Record<string, string>, t: PortType): string {
  return colors[t.kind] ?? '#9aa0a6';
}

function RunBadge({ run }: { run: NodeRun }) {
  const label =
    run.state === 'running'
      ? `${Math.round(run.fraction * 100)}%${run.eta !== undefined ? ` · ${run.eta.toFixed(1)}s left` : ''}`
      : run.state === 'finished'
        ? `done${run.ms !== undefined ? ` · ${(run.ms / 1000).toFixed(2)}s` : ''}`
        : run.state;
  return (
    <div className={`run-badge run-${run.state}`} data-run-state={run.state}>
      <div className="bar" style={{ width: `${run.state === 'failed' ? 100 : Math.round(run.fraction * 100)}%` }} />
      <span className="label">{label}</span>
    </div>
  );
}

/** "48 frames · 1920×1080 · 24 fps · RGBA". */
export function mediaText(m: MediaFacts): string {
  const fps = Math.round(m.fps * 100) / 100;
  return `${m.frames} frames · ${m.width}×${m.height} · ${fps} fps${m.alpha ? ' · RGBA' : ''}`;
}

function MediaSummary({ media }: { media: MediaFacts }) {
  return (
    <figure className="media-facts" data-media>
      {media.thumbnail && <img src={media.thumbnail} alt="first frame" />}
      <figcaption>{mediaText(media)}</figcaption>
    </figure>
  );
}

/**
 * What a socket needs to be reached by keyboard: Tab stops on it, its name says which port of which
 * node it is, Enter starts or ends a link there (linkFromKeyboard) and Escape drops a started one.
 */
function keyboardPort(at: PortRef, label: string, linking: boolean) {
  return {
    tabIndex: 0,
    role: 'button',
    'aria-label': label,
    'aria-pressed': linking,
    className: linking ? 'linking' : undefined,
    onKeyDown(e: React.KeyboardEvent) {
      if (e.key !== 'Enter' && e.key !== ' ' && e.key !== 'Escape') return;
      // the node around it would take Enter as "select me"
      e.stopPropagation();
      e.preventDefault();
      if (e.key === 'Escape') cancelKeyboardLink();
      else linkFromKeyboard(at);
    },
  };
}

/** A node on the canvas: typed sockets in its kind colours, param widgets, issues and run state. */
export const FlowNode = memo(function FlowNode({ data, selected }: NodeProps<FlowNodeType>) {
  const { info, nodeId, issues, run } = data;
  const linking = useStudio((s) => (s.linking?.node === nodeId ? s.linking : undefined));
  const owner = data.title ?? info?.title ?? data.type;
  const isLinking = (port: string, side: PortRef['side']) => linking?.port === port && linking.side === side;
  const fields = useMemo(() => (info ? paramFields(info.params) : []), [info]);
  const byField = new Map(issues.filter((i) => i.field).map((i) => [i.field as string, i.message]));
  const nodeLevel = issues.filter(
    (i) => !i.field || (!fields.some((f) => f.name === i.field) && !info?.inputs[i.field]),
  );
  const classes = [
    'lf-node',
    selected ? 'selected' : '',
    issues.length ? 'invalid' : '',
    run ? `state-${run.state}` : '',
    data.mode ? `mode-${data.mode}` : '',
  ];
  return (
    <div className={classes.join(' ')} data-node-id={nodeId} data-node-type={data.type} data-mode={data.mode}>
      <header>
        <span className="title">{owner}</span>
        {data.mode && (
          <span
            className="mode-badge"
            title={data.mode === 'bypass' ? 'Ctrl+B to run it again' : 'Ctrl+M to run it again'}
          >
            {MODE_LABEL[data.mode]}
          </span>
        )}
        <span className="node-id">{nodeId}</span>
      </header>
      {run && <RunBadge run={run} />}
      <div className="ports">
        <div className="inputs">
          {Object.entries(info?.inputs ?? {}).map(([name, port]) => (
            <div
              key={name}
              className={`port in${byField.has(name) ? ' has-error' : ''}`}
              title={port.docs ?? port.type.kind}
            >
              <Handle
                type="target"
                position={Position.Left}
                id={name}
                style={{ background: colorOf(data.colors, port.type) }}
                data-kind={port.type.kind}
                {...keyboardPort(
                  { node: nodeId, port: name, side: 'target' },
                  `${owner} input ${name} (${port.type.kind})`,
                  isLinking(name, 'target'),
                )}
              />
              <span>
                {name}
                {port.optional ? '?' : ''}
              </span>
              <em>{port.type.kind}</em>
            </div>
          ))}
        </div>
        <div className="outputs">
          {Object.entries(info?.outputs ?? {}).map(([name, port]) => (
            <div key={name} className="port out" title={data.outputTexts[name] ?? port.type.kind}>
              <em>{port.type.kind}</em>
              <span>{name}</span>
              <Handle
                type="source"
                position={Position.Right}
                id={name}
                style={{ background: colorOf(data.colors, port.type) }}
                data-kind={port.type.kind}
                {...keyboardPort(
                  { node: nodeId, port: name, side: 'source' },
                  `${owner} output ${name} (${port.type.kind})`,
                  isLinking(name, 'source'),
                )}
              />
            </div>
          ))}
        </div>
      </div>
      {fields.length > 0 && (
        <div className="params">
          {fields.map((f) => (
            <ParamWidget
              key={f.name}
              field={f}
              value={data.params[f.name]}
              error={byField.get(f.name)}
              packs={data.packs}
              owner={info?.title ?? data.type}
              scope={nodeId}
              notes={data.notes.filter((n) => n.field === f.name)}
              onChange={(v) => editDoc((d) => setParam(d, nodeId, f.name, v))}
            />
          ))}
        </div>
      )}
      {data.media && <MediaSummary media={data.media} />}
      {data.notes
        .filter((n) => !fields.some((f) => f.name === n.field))
        .map((n) => (
          <div key={n.message} className={`node-note note-${n.level}`} data-note={n.level}>
            {n.message}
          </div>
        ))}
      {!info && <div className="node-error">unknown node type “{data.type}”</div>}
      {nodeLevel.map((i) => (
        <div key={`${i.code}:${i.field ?? ''}:${i.message}`} className="node-error" data-code={i.code}>
          {i.field ? `${i.field}: ` : ''}
          {i.message}
        </div>
      ))}
      {run?.message && run.state === 'failed' && <div className="node-error">{run.message}</div>}
      {run?.previews && run.previews.length > 0 && (
        <div className="previews">
          {run.previews.map((p) => (
            <figure key={p.label}>
              <img src={p.dataUrl} alt={p.label} />
              <figcaption>{p.label}</figcaption>
            </figure>
          ))}
        </div>
      )}
    </div>
  );
});
