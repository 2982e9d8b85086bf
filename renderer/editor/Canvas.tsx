import {
  Background,
  type Connection,
  ControlButton,
  Controls,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  MiniMap,
  type NodeChange,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import { useCallback, useMemo, useRef, useState } from 'react';
import type { NodeInfo, WorkflowDoc } from '../../api/schemas.ts';
import {
  addGroup,
  addNode,
  type Candidate,
  compatibleNodes,
  connect,
  disconnect,
  groupsOf,
  moveNodes,
  portType,
  positionOf,
  removeNodes,
  type XY,
} from '../model/graph-doc.ts';
import { activeTab, editDoc, recordStep, setSelected, toast, useStudio } from '../state/store.ts';
import { openWorkflowFile } from '../WorkflowFiles.tsx';
import { ConnectMenu } from './ConnectMenu.tsx';
import { ContextMenu, type MenuItem } from './ContextMenu.tsx';
import { FlowNode } from './FlowNode.tsx';
import { type ElementInputs, flowEdges, flowNodes, groupOrigin } from './flow-elements.ts';
import { GroupNode } from './GroupNode.tsx';
import { localRefusal, tryConnect } from './linking.ts';
import { NODE_DRAG_TYPE } from './Palette.tsx';
import { copySelection, duplicate, hasClipboard, pasteClipboard, toggleBypass, toggleMute } from './shortcuts.ts';

const nodeTypes = { lf: FlowNode, lfgroup: GroupNode };
/** Fitting never magnifies: one node on an empty canvas stays at its real size. */
const FIT = { maxZoom: 1, padding: 0.1 };

interface Dangling {
  screen: XY;
  flow: XY;
  node: string;
  port: string;
  side: 'output' | 'input';
}

/** Menu size (styles.css .connect-menu), to keep a menu opened near an edge inside the canvas. */
const MENU = { width: 250, height: 320 };

/** Where the connect menu opens: at the drop point, inside the canvas. */
function menuSpot(at: XY, bounds: DOMRect | undefined): XY {
  if (!bounds) return at;
  const x = Math.min(at.x - bounds.left, bounds.width - MENU.width - 8);
  const y = Math.min(at.y - bounds.top, bounds.height - MENU.height - 8);
  return { x: Math.max(8, x), y: Math.max(8, y) };
}

export function Canvas({ packs }: { packs: string[] }) {
  const tab = useStudio((s) => activeTab(s));
  const catalogue = useStudio((s) => s.catalogue);
  const analysis = useStudio((s) => s.analysis[s.active]);
  const run = useStudio((s) => {
    const job = s.tabJobs[s.active];
    return job ? s.runs[job] : undefined;
  });
  const flow = useReactFlow();
  const [dangling, setDangling] = useState<Dangling>();
  /** Node search opened by double-clicking the canvas: where it shows and where the node goes. */
  const [search, setSearch] = useState<{ screen: XY; flow: XY }>();
  const [menu, setMenu] = useState<{ at: XY; label: string; items: MenuItem[] }>();
  const [selectedEdges, setSelectedEdges] = useState<string[]>([]);
  // the minimap starts hidden on small screens, where it would cover a good part of the canvas
  const [minimap, setMinimap] = useState(() => window.innerWidth > 1200);
  /** Whether the link being dragged off an input found a new port; dropped on nothing, it is removed. */
  const reconnected = useRef(true);
  const dragStart = useRef<WorkflowDoc>(undefined);
  const doc = tab.history.present;

  const [sizes, setSizes] = useState<ElementInputs['sizes']>({});
  const inputs = {
    doc,
    catalogue,
    inferred: analysis?.inferred,
    issues: analysis?.issues ?? [],
    run,
    selected: tab.selected,
    packs,
    sizes,
  };
  // Rebuilt each render: cheap for editor-sized graphs, and group frames follow measured heights.
  const nodes = flowNodes(inputs);
  const edges = flowEdges(inputs).map((e) => (selectedEdges.includes(e.id) ? { ...e, selected: true } : e));
  const bounds = () => document.querySelector('.canvas')?.getBoundingClientRect();
  const closeMenu = useCallback(() => setMenu(undefined), []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setSelectedEdges((old) => {
      const next = new Set(old);
      for (const ch of changes) {
        if (ch.type !== 'select') continue;
        if (ch.selected) next.add(ch.id);
        else next.delete(ch.id);
      }
      return [...next];
    });
  }, []);

  function removeLink(edge: Edge): void {
    editDoc((d) => disconnect(d, { node: edge.target, input: edge.targetHandle as string }));
  }

  function nodeMenu(event: React.MouseEvent, id: string): void {
    event.preventDefault();
    const selected = activeTab().selected;
    const ids = selected.includes(id) ? selected : [id];
    if (!selected.includes(id)) setSelected([id]);
    const mode = (m: string) => ids.every((n) => activeTab().history.present.nodes[n]?.mode === m);
    const items: MenuItem[] = [
      { label: mode('bypass') ? 'Run again (un-bypass)' : 'Bypass', keys: 'Ctrl+B', run: () => toggleBypass(ids) },
      { label: mode('mute') ? 'Run again (unmute)' : 'Mute', keys: 'Ctrl+M', run: () => toggleMute(ids) },
      { label: 'Duplicate', keys: 'Ctrl+D', run: () => duplicate(ids) },
      { label: 'Copy', keys: 'Ctrl+C', run: () => copySelection(ids) },
      {
        label: 'Group',
        keys: 'Ctrl+G',
        run: () => editDoc((d) => addGroup(d, ids, 'Group')),
      },
      { label: 'Delete', keys: 'Del', run: () => editDoc((d) => removeNodes(d, ids)) },
    ];
    setMenu({ at: menuSpot({ x: event.clientX, y: event.clientY }, bounds()), label: 'Node', items });
  }

  function paneMenu(event: React.MouseEvent | MouseEvent): void {
    event.preventDefault();
    const screen = menuSpot({ x: event.clientX, y: event.clientY }, bounds());
    const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    const items: MenuItem[] = [
      { label: 'Add node…', keys: 'double-click', run: () => setSearch({ screen, flow: at }) },
      { label: 'Paste', keys: 'Ctrl+V', disabled: !hasClipboard(), run: () => pasteClipboard(false) },
      { label: 'Paste with links', keys: 'Ctrl+Shift+V', disabled: !hasClipboard(), run: () => pasteClipboard(true) },
      { label: 'Fit view', run: () => void flow.fitView(FIT) },
    ];
    setMenu({ at: screen, label: 'Canvas', items });
  }

  function openSearch(event: React.MouseEvent): void {
    // Only on the empty canvas: double-clicks on nodes and fields are theirs.
    if (!(event.target as Element).classList.contains('react-flow__pane')) return;
    setSearch({
      screen: menuSpot({ x: event.clientX, y: event.clientY }, bounds()),
      flow: flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }),
    });
  }

  const everyNode = useMemo(
    (): Candidate[] => (catalogue?.nodes ?? []).map((info) => ({ info, port: '' })),
    [catalogue],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      const current = activeTab().history.present;
      const moves: Record<string, XY> = {};
      let dragging = false;
      let ended = false;
      let selection: Set<string> | undefined;
      const measured: ElementInputs['sizes'] = {};
      for (const ch of changes) {
        if (ch.type === 'dimensions' && ch.dimensions) measured[ch.id] = ch.dimensions;
        if (ch.type === 'position' && ch.position) {
          const group = groupsOf(current).find((g) => g.id === ch.id);
          if (group) {
            // from the document, not React Flow's copy, which may already hold this very move
            const old = groupOrigin(current, group);
            const dx = ch.position.x - old.x;
            const dy = ch.position.y - old.y;
            for (const id of group.nodes) {
              const p = positionOf(current, id);
              moves[id] = { x: p.x + dx, y: p.y + dy };
            }
          } else moves[ch.id] = ch.position;
        }
        if (ch.type === 'position') {
          if (ch.dragging) dragging = true;
          else ended = true;
        }
        if (ch.type === 'select') {
          selection ??= new Set(activeTab().selected);
          if (ch.selected) selection.add(ch.id);
          else selection.delete(ch.id);
        }
      }
      if (Object.keys(moves).length) {
        if (dragging && !dragStart.current) dragStart.current = current;
        editDoc((d) => moveNodes(d, moves), false);
      }
      if (ended && dragStart.current) {
        recordStep(dragStart.current);
        dragStart.current = undefined;
      }
      if (selection) setSelected([...selection]);
      if (Object.keys(measured).length) setSizes((old) => ({ ...old, ...measured }));
    },
    [flow],
  );

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (!state.fromNode || !state.fromHandle?.id) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      const side = state.fromHandle.type === 'source' ? 'output' : 'input';
      if (state.toHandle && state.isValid === false && state.toNode) {
        const c =
          side === 'output'
            ? {
                source: state.fromNode.id,
                sourceHandle: state.fromHandle.id,
                target: state.toNode.id,
                targetHandle: state.toHandle.id ?? null,
              }
            : {
                source: state.toNode.id,
                sourceHandle: state.toHandle.id ?? null,
                target: state.fromNode.id,
                targetHandle: state.fromHandle.id,
              };
        toast(`Link refused: ${localRefusal(activeTab().history.present, c) ?? 'these ports do not fit'}`);
        return;
      }
      if (state.toNode) return;
      const linked = activeTab().history.present.nodes[state.fromNode.id]?.inputs[state.fromHandle.id];
      if (side === 'input' && linked) {
        // a link dragged off its input and dropped on nothing is removed, as in ComfyUI
        const to = { node: state.fromNode.id, input: state.fromHandle.id };
        editDoc((d) => disconnect(d, to));
        return;
      }
      const bounds = (event.target as Element).closest('.react-flow')?.getBoundingClientRect();
      setDangling({
        screen: menuSpot({ x: point.clientX, y: point.clientY }, bounds),
        flow: flow.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
        node: state.fromNode.id,
        port: state.fromHandle.id,
        side,
      });
    },
    [flow],
  );

  const candidates = useMemo((): Candidate[] => {
    if (!dangling || !catalogue) return [];
    const t = portType(catalogue, doc, dangling.node, dangling.side, dangling.port);
    return t ? compatibleNodes(catalogue, t, dangling.side) : [];
  }, [dangling, catalogue, doc]);

  function pickCandidate(c: Candidate): void {
    if (!dangling) return;
    const at = dangling.side === 'output' ? dangling.flow : { x: dangling.flow.x - 260, y: dangling.flow.y };
    const before = activeTab().history.present;
    const withNode = addNode(before, c.info, at);
    const id = Object.keys(withNode.nodes).find((k) => !before.nodes[k]) as string;
    const linked =
      dangling.side === 'output'
        ? connect(withNode, { node: dangling.node, output: dangling.port }, { node: id, input: c.port })
        : connect(withNode, { node: id, output: c.port }, { node: dangling.node, input: dangling.port });
    editDoc(() => linked);
    setDangling(undefined);
  }

  function onDrop(e: React.DragEvent): void {
    const files = [...e.dataTransfer.files];
    if (files.length > 0) {
      // A workflow .json, a run's manifest.json or a saved output: open the workflow that made it.
      e.preventDefault();
      for (const file of files) void openWorkflowFile(file);
      return;
    }
    const type = e.dataTransfer.getData(NODE_DRAG_TYPE);
    const info = catalogue?.nodes.find((n) => n.type === type);
    if (!info) return;
    e.preventDefault();
    addAt(info, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  }

  return (
    <div
      className="canvas"
      role="application"
      aria-label="Workflow canvas"
      onDoubleClick={openSearch}
      onDrop={onDrop}
      onDragOver={(e) => e.preventDefault()}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeContextMenu={(e, n) => n.type === 'lf' && nodeMenu(e, n.id)}
        onEdgeContextMenu={(e, edge) => {
          e.preventDefault();
          const items = [{ label: 'Delete link', keys: 'Del', run: () => removeLink(edge) }];
          setMenu({ at: menuSpot({ x: e.clientX, y: e.clientY }, bounds()), label: 'Link', items });
        }}
        onPaneContextMenu={paneMenu}
        edgesReconnectable
        onReconnectStart={() => {
          reconnected.current = false;
        }}
        onReconnect={(old, c) => {
          reconnected.current = true;
          if (old.target === c.target && old.targetHandle === c.targetHandle) void tryConnect(c);
          else {
            removeLink(old);
            void tryConnect(c);
          }
        }}
        onReconnectEnd={(_e, edge) => {
          // dragged off its input and dropped on nothing: the link is removed, as in ComfyUI
          if (!reconnected.current) removeLink(edge);
          reconnected.current = true;
        }}
        zoomOnDoubleClick={false}
        onConnect={(c) => void tryConnect(c)}
        onConnectEnd={onConnectEnd}
        isValidConnection={(c) => localRefusal(activeTab().history.present, c as Connection) === null}
        onDelete={({ nodes: ns, edges: es }) => {
          editDoc((d) => {
            let next = removeNodes(
              d,
              ns.filter((n) => n.type === 'lf').map((n) => n.id),
            );
            for (const e of es) next = disconnect(next, { node: e.target, input: e.targetHandle as string });
            return next;
          });
        }}
        onPaneClick={() => {
          setDangling(undefined);
          setSearch(undefined);
        }}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        fitView
        fitViewOptions={FIT}
        minZoom={0.2}
        colorMode="system"
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} size={1} />
        {minimap && (
          <MiniMap
            pannable
            zoomable
            bgColor="var(--panel)"
            maskColor="color-mix(in srgb, var(--bg) 60%, transparent)"
            nodeColor={(n) => (n.type === 'lfgroup' ? 'transparent' : '#6b7489')}
          />
        )}
        <Controls fitViewOptions={FIT}>
          <ControlButton
            onClick={() => setMinimap((m) => !m)}
            title={minimap ? 'Hide the minimap' : 'Show the minimap'}
            aria-label={minimap ? 'Hide the minimap' : 'Show the minimap'}
            aria-pressed={minimap}
          >
            ▦
          </ControlButton>
        </Controls>
      </ReactFlow>
      {Object.keys(doc.nodes).length === 0 && (
        <div className="canvas-hint">Drag nodes here from the palette, or open a preset.</div>
      )}
      {menu && <ContextMenu at={menu.at} label={menu.label} items={menu.items} onClose={closeMenu} />}
      {search && (
        <ConnectMenu
          at={search.screen}
          candidates={everyNode}
          placeholder="Search nodes…"
          empty="No node matches"
          onPick={(c) => {
            addAt(c.info, search.flow);
            setSearch(undefined);
          }}
          onClose={() => setSearch(undefined)}
        />
      )}
      {dangling && (
        <ConnectMenu
          at={dangling.screen}
          candidates={candidates}
          onPick={pickCandidate}
          onClose={() => setDangling(undefined)}
        />
      )}
    </div>
  );
}

/** Adds a node from the catalogue at a flow position. */
export function addAt(info: NodeInfo, at: XY): void {
  editDoc((d) => addNode(d, info, at));
}
