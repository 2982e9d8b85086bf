import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useState } from 'react';
import type { WorkflowDoc } from '../api/schemas.ts';
import { api } from './api-client.ts';
import { addAt, Canvas } from './editor/Canvas.tsx';
import { Palette } from './editor/Palette.tsx';
import { ShortcutHelp } from './editor/ShortcutHelp.tsx';
import { onShortcut } from './editor/shortcuts.ts';
import { positionOf, roomyOffset, type XY } from './model/graph-doc.ts';
import { PresetForm } from './presets/PresetForm.tsx';
import { PresetPanel } from './presets/PresetPanel.tsx';
import { SavePresetDialog } from './presets/SavePresetDialog.tsx';
import { QuestionDialog } from './QuestionDialog.tsx';
import { JobList } from './run/JobList.tsx';
import { LayerViewer } from './run/LayerViewer.tsx';
import { RunProgress } from './run/RunProgress.tsx';
import { followEvents, refreshJobs, runWorkflow } from './run/runs.ts';
import { analyse } from './state/analysis.ts';
import { keepAutosaving, restoreSession, saveSessionNow } from './state/session.ts';
import {
  activeTab,
  getState,
  isDirty,
  redoDoc,
  setState,
  subscribe,
  toast,
  undoDoc,
  updateTab,
  useStudio,
} from './state/store.ts';
import { TabBar } from './TabBar.tsx';
import { TabList, TabPanel } from './TabList.tsx';
import { Toasts } from './Toasts.tsx';
import { OpenWorkflowDialog, saveTab } from './WorkflowFiles.tsx';

type Side = 'nodes' | 'presets';
type Panel = 'run' | 'queue' | 'history' | 'outputs';
const SIDE_TABS = [
  { value: 'nodes', label: 'Nodes' },
  { value: 'presets', label: 'Presets' },
] as const;
const PANEL_TABS = [
  { value: 'run', label: 'Run' },
  { value: 'queue', label: 'Queue' },
  { value: 'history', label: 'History' },
  { value: 'outputs', label: 'Outputs' },
] as const;

function useBoot(): string[] {
  const [packs, setPacks] = useState<string[]>([]);
  useEffect(() => {
    restoreSession();
    api.nodes.list.query().then(
      (catalogue) => setState((s) => ({ ...s, catalogue })),
      (err: Error) => toast(`Could not load the node catalogue: ${err.message}`),
    );
    api.packs.list.query().then(
      (p) => setPacks(p.map((x) => x.name)),
      () => undefined,
    );
    void refreshJobs();
    const stopEvents = followEvents();
    const stopAutosave = keepAutosaving(subscribe);
    // Leaving with unsaved tabs asks first (the browser's own question; Electron's shell asks natively).
    const onLeave = (e: BeforeUnloadEvent) => {
      saveSessionNow();
      if (!getState().tabs.some(isDirty)) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onLeave);
    return () => {
      stopEvents();
      stopAutosave();
      window.removeEventListener('beforeunload', onLeave);
    };
  }, []);
  return packs;
}

/** Re-analyses the active document a moment after it stops changing. */
function useAnalysis(): void {
  const tab = useStudio((s) => activeTab(s));
  const catalogue = useStudio((s) => s.catalogue);
  const doc = tab.history.present;
  useEffect(() => {
    if (!catalogue) return;
    const timer = setTimeout(() => void analyse(tab.id, doc).catch(() => undefined), 150);
    return () => clearTimeout(timer);
  }, [tab.id, doc, catalogue]);
}

export function App() {
  const packs = useBoot();
  useAnalysis();
  const tab = useStudio((s) => activeTab(s));
  const shownJob = useStudio((s) => s.shownJob);
  const [side, setSide] = useState<Side>('nodes');
  const [panel, setPanel] = useState<Panel>('run');
  const [dialog, setDialog] = useState<'open' | 'preset' | 'keys'>();
  const [presetVersion, setPresetVersion] = useState(0);
  const [shown, setShown] = useState({ side: true, panel: true });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) =>
      onShortcut(e, { save: (as) => void saveTab(undefined, as), help: () => setDialog('keys') });
    // Capture: before a focused canvas node takes Ctrl+Shift+Enter as "toggle my selection" and
    // empties the selection that "run selected" is about to read.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
  useEffect(() => {
    if (shownJob) setPanel((p) => (p === 'queue' || p === 'history' ? p : 'run'));
  }, [shownJob]);
  return (
    <div className="app">
      <header className="toolbar">
        <span className="brand">LayerFlow Studio</span>
        <button
          type="button"
          aria-pressed={shown.side}
          title="Show or hide the node library and presets"
          onClick={() => setShown((s) => ({ ...s, side: !s.side }))}
        >
          Library
        </button>
        <button type="button" onClick={() => setDialog('open')}>
          Open…
        </button>
        <button type="button" title="Save (Ctrl+S)" onClick={() => void saveTab()}>
          Save
        </button>
        <button type="button" title="Save as (Ctrl+Shift+S)" onClick={() => void saveTab(undefined, true)}>
          Save as…
        </button>
        <button type="button" onClick={() => setDialog('preset')}>
          Save as preset…
        </button>
        <span className="sep" />
        <button type="button" title="Undo (Ctrl+Z)" onClick={undoDoc} disabled={tab.history.past.length === 0}>
          Undo
        </button>
        <button type="button" title="Redo (Ctrl+Shift+Z)" onClick={redoDoc} disabled={tab.history.future.length === 0}>
          Redo
        </button>
        <span className="sep" />
        {tab.view === 'form' ? (
          <button type="button" onClick={() => updateTab(tab.id, (t) => ({ ...t, view: 'graph' }))}>
            Graph view
          </button>
        ) : tab.history.present.form?.length ? (
          <button type="button" onClick={() => updateTab(tab.id, (t) => ({ ...t, view: 'form' }))}>
            Form view
          </button>
        ) : null}
        <span className="grow" />
        <button
          type="button"
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
          onClick={() => setDialog('keys')}
        >
          ?
        </button>
        <button
          type="button"
          title="Run the nodes up to the selected ones (Ctrl+Shift+Enter)"
          disabled={tab.selected.length === 0}
          onClick={() => void runWorkflow(tab.selected)}
        >
          Run to selected
        </button>
        <button type="button" className="primary" title="Run (Ctrl+Enter)" onClick={() => void runWorkflow()}>
          ▶ Run
        </button>
        <button
          type="button"
          aria-pressed={shown.panel}
          title="Show or hide the run, queue, history and outputs panel"
          onClick={() => setShown((s) => ({ ...s, panel: !s.panel }))}
        >
          Runs
        </button>
      </header>
      <TabBar />
      <main className={`workspace${shown.side ? '' : ' hide-side'}${shown.panel ? '' : ' hide-panel'}`}>
        <aside className="sidebar">
          <TabList<Side> label="Library" id="side" tabs={SIDE_TABS} value={side} onChange={setSide} />
          <TabPanel id="side" value={side} className="side-body">
            {side === 'nodes' ? (
              <Palette onAdd={(info) => addAt(info, placeNew(tab.history.present, tab.selected))} />
            ) : (
              <PresetPanel version={presetVersion} />
            )}
          </TabPanel>
        </aside>
        <section className="center">
          {tab.view === 'form' ? (
            <PresetForm packs={packs} />
          ) : (
            <ReactFlowProvider key={tab.id}>
              <Canvas packs={packs} />
            </ReactFlowProvider>
          )}
        </section>
        <aside className="panel">
          <TabList<Panel> label="Runs" id="runs" tabs={PANEL_TABS} value={panel} onChange={setPanel} />
          <TabPanel id="runs" value={panel} className="panel-body">
            {panel === 'run' && <RunProgress />}
            {panel === 'queue' && <JobList active />}
            {panel === 'history' && <JobList active={false} />}
            {panel === 'outputs' && <LayerViewer />}
          </TabPanel>
        </aside>
      </main>
      {dialog === 'keys' && <ShortcutHelp onClose={() => setDialog(undefined)} />}
      {dialog === 'open' && <OpenWorkflowDialog onClose={() => setDialog(undefined)} />}
      {dialog === 'preset' && (
        <SavePresetDialog
          onClose={(saved) => {
            setDialog(undefined);
            if (saved) setPresetVersion((v) => v + 1);
          }}
        />
      )}
      <QuestionDialog />
      <Toasts />
    </div>
  );
}

/** Where a node added from the palette goes: right of the selected node, else top left, then down to room. */
function placeNew(doc: WorkflowDoc, selected: string[]): XY {
  const from = selected.find((id) => doc.nodes[id]);
  const want = from ? { x: positionOf(doc, from).x + 340, y: positionOf(doc, from).y } : { x: 80, y: 80 };
  return roomyOffset(doc, [{ x: 0, y: 0 }], want);
}
