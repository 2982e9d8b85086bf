import { useSyncExternalStore } from 'react';
import type { Catalogue, Inferred, Issue, JobSummary, WorkflowDoc } from '../../api/schemas.ts';
import { EMPTY_DOC, placeUnplaced } from '../model/graph-doc.ts';
import { commit, type History, redo, startHistory, undo } from '../model/history.ts';
import type { RunState } from '../run/run-state.ts';

export interface Tab {
  id: string;
  name: string;
  /** Workflow file name it was opened from / saved to. */
  file?: string;
  history: History<WorkflowDoc>;
  /** The document as last saved or opened; the tab has unsaved changes while its present differs. */
  saved?: WorkflowDoc;
  selected: string[];
  view: 'graph' | 'form';
}

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
  /** How many times the same message was raised while it showed (shown as ×n instead of a pile). */
  count: number;
}

export interface StudioState {
  tabs: Tab[];
  active: string;
  catalogue?: Catalogue;
  /** Inferred types and validation issues per tab, refreshed after each edit. */
  analysis: Record<string, { inferred?: Inferred; issues: Issue[] }>;
  toasts: Toast[];
  jobs: JobSummary[];
  runs: Record<string, RunState>;
  /** The job whose progress the run panel shows and whose outputs the viewer plays. */
  shownJob?: string;
  /** Each tab's latest job: the canvas paints node states only on the graph that ran. */
  tabJobs: Record<string, string>;
  /** The question the app is asking (its own dialog, never the browser's prompt or confirm). */
  question?: OpenQuestion;
  /** A port picked with Enter, waiting for the other end of a link (the keyboard's drag). */
  linking?: { node: string; port: string; side: 'source' | 'target' };
}

export interface Choice {
  value: string;
  label: string;
  kind?: 'primary' | 'danger';
  /** Offered only when the text field (if any) holds a valid name. */
  needsText?: boolean;
}

/** A name typed into a question: checked as the API checks names, with the names it would replace. */
export interface NameInput {
  label: string;
  value: string;
  /** Names already taken: typing one warns that it will be replaced. */
  existing: string[];
}

export interface Question {
  title: string;
  message: string;
  choices: Choice[];
  input?: NameInput;
}

export interface Answer {
  value: string;
  text?: string;
}

interface OpenQuestion extends Question {
  /** Called once with the answer, or undefined when dismissed (Escape, backdrop, Cancel). */
  answer(a: Answer | undefined): void;
}

let tabCounter = 0;
/**
 * A tab for a document; nodes the file gives no position are placed so the graph reads left to right.
 * `dirty` opens it with unsaved changes (a restored session's edits that never reached a file).
 */
export function newTab(name: string, doc: WorkflowDoc = EMPTY_DOC, file?: string, dirty = false): Tab {
  const history = startHistory(placeUnplaced(doc));
  const saved = dirty ? undefined : history.present;
  return { id: `tab-${++tabCounter}`, name, file, history, saved, selected: [], view: 'graph' };
}

/** Whether the tab holds edits not in a file (undoing back to the saved document makes it clean again). */
export function isDirty(tab: Tab): boolean {
  return tab.history.present !== tab.saved;
}

/** Marks the tab's current document as saved under `file`. */
export function markSaved(id: string, file: string, doc: WorkflowDoc): void {
  setState((s) => mapTab(s, id, (t) => ({ ...t, file, name: file, saved: doc })));
}

const first = newTab('Untitled');
let state: StudioState = { tabs: [first], active: first.id, analysis: {}, toasts: [], jobs: [], runs: {}, tabJobs: {} };
const listeners = new Set<() => void>();

export function getState(): StudioState {
  return state;
}

export function setState(update: (s: StudioState) => StudioState): void {
  const next = update(state);
  if (next === state) return;
  state = next;
  for (const l of listeners) l();
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useStudio<T>(select: (s: StudioState) => T): T {
  return useSyncExternalStore(subscribe, () => select(state));
}

export function activeTab(s: StudioState = state): Tab {
  return s.tabs.find((t) => t.id === s.active) ?? s.tabs[0];
}

function mapTab(s: StudioState, id: string, fn: (t: Tab) => Tab): StudioState {
  return { ...s, tabs: s.tabs.map((t) => (t.id === id ? fn(t) : t)) };
}

/** The tab with `history`, its selection cut to the nodes still there (a deleted node is not "selected"). */
function withHistory(t: Tab, history: History<WorkflowDoc>): Tab {
  const nodes = history.present.nodes;
  const selected = t.selected.every((id) => nodes[id]) ? t.selected : t.selected.filter((id) => nodes[id]);
  return { ...t, history, selected };
}

/** Applies an edit to the active tab's document; `record: false` skips the undo stack (live drags). */
export function editDoc(fn: (doc: WorkflowDoc) => WorkflowDoc, record = true): void {
  setState((s) => mapTab(s, s.active, (t) => withHistory(t, commit(t.history, fn(t.history.present), record))));
}

/** Marks the current document as an undo step (after a drag that edited without recording). */
export function recordStep(before: WorkflowDoc): void {
  setState((s) =>
    mapTab(s, s.active, (t) =>
      before === t.history.present
        ? t
        : { ...t, history: { past: [...t.history.past, before], present: t.history.present, future: [] } },
    ),
  );
}

export function undoDoc(): void {
  setState((s) => mapTab(s, s.active, (t) => withHistory(t, undo(t.history))));
}

export function redoDoc(): void {
  setState((s) => mapTab(s, s.active, (t) => withHistory(t, redo(t.history))));
}

export function setSelected(ids: string[]): void {
  setState((s) => mapTab(s, s.active, (t) => ({ ...t, selected: ids })));
}

export function updateTab(id: string, fn: (t: Tab) => Tab): void {
  setState((s) => mapTab(s, id, fn));
}

export function openTab(tab: Tab): void {
  setState((s) => ({ ...s, tabs: [...s.tabs, tab], active: tab.id }));
}

export function closeTab(id: string): void {
  setState((s) => {
    const tabs = s.tabs.filter((t) => t.id !== id);
    if (tabs.length === 0) tabs.push(newTab('Untitled'));
    const active = s.active === id ? tabs[Math.max(0, s.tabs.findIndex((t) => t.id === id) - 1)].id : s.active;
    return { ...s, tabs, active };
  });
}

/** Asks with the app's own dialog; resolves with the choice (and text typed), or undefined when dismissed. */
export function ask(question: Question): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const answer = (a: Answer | undefined) => {
      setState((s) => (s.question?.answer === answer ? { ...s, question: undefined } : s));
      resolve(a);
    };
    getState().question?.answer(undefined);
    setState((s) => ({ ...s, question: { ...question, answer } }));
  });
}

/** At most this many toasts show at once; the oldest gives way. */
const MAX_TOASTS = 3;
const TOAST_MS = 6000;
let toastCounter = 0;
const toastTimers = new Map<number, ReturnType<typeof setTimeout>>();

/** Hides a toast now (its × button, or its time is up). */
export function dismissToast(id: number): void {
  clearTimeout(toastTimers.get(id));
  toastTimers.delete(id);
  setState((s) => ({ ...s, toasts: s.toasts.filter((t) => t.id !== id) }));
}

/**
 * Shows a message for a few seconds. The same message again while it shows counts up on the one toast
 * (and restarts its time) rather than stacking copies; a few different ones stack, each dismissable.
 * Returns the toast's id, for a message that stops being true before its time is up.
 */
export function toast(text: string, kind: Toast['kind'] = 'error'): number {
  const same = state.toasts.find((t) => t.text === text && t.kind === kind);
  const id = same?.id ?? ++toastCounter;
  setState((s) => ({
    ...s,
    toasts: same
      ? s.toasts.map((t) => (t.id === id ? { ...t, count: t.count + 1 } : t))
      : [...s.toasts.slice(-(MAX_TOASTS - 1)), { id, kind, text, count: 1 }],
  }));
  clearTimeout(toastTimers.get(id));
  toastTimers.set(
    id,
    setTimeout(() => dismissToast(id), TOAST_MS),
  );
  return id;
}
