import type { Connection } from '@xyflow/react';
import type { WorkflowDoc } from '../../api/schemas.ts';
import { api } from '../api-client.ts';
import { connect, kindsFit, portType, reaches } from '../model/graph-doc.ts';
import { activeTab, dismissToast, editDoc, getState, setState, toast } from '../state/store.ts';

/** Why a link may not be made, judged locally (kinds, cycles); null when it may. */
export function localRefusal(doc: WorkflowDoc, c: Connection): string | null {
  const cat = getState().catalogue;
  if (!cat || !c.sourceHandle || !c.targetHandle) return 'unknown port';
  if (c.source === c.target) return 'a node cannot feed itself';
  const from = portType(cat, doc, c.source, 'output', c.sourceHandle);
  const to = portType(cat, doc, c.target, 'input', c.targetHandle);
  if (!from || !to) return 'unknown port';
  if (!kindsFit(from, to)) return `a ${from.kind} output cannot feed a ${to.kind} input`;
  if (reaches(doc, c.source, c.target)) return 'this link would make a cycle';
  return null;
}

/** Asks the engine whether the link fits (shape fields too), then adds it or shows why not. */
export async function tryConnect(c: Connection): Promise<void> {
  const doc = activeTab().history.present;
  const local = localRefusal(doc, c);
  const from = { node: c.source, output: c.sourceHandle as string };
  const to = { node: c.target, input: c.targetHandle as string };
  const reason = local ?? (await api.workflow.checkLink.query({ workflow: doc, from, to }).catch(() => null))?.reason;
  if (reason) toast(`Link refused: ${reason}`);
  else editDoc((d) => connect(d, from, to));
}

/** A port picked from the keyboard (Enter on it), waiting for the other end of its link. */
export interface PortRef {
  node: string;
  port: string;
  side: 'source' | 'target';
}

/** The "Link started" hint while a keyboard link waits for its other end. */
let startedToast: number | undefined;

/**
 * Enter on a port: the first starts a link there, the second (a port on the other side) makes it;
 * Enter on the same port again, or Escape, lets it go. The keyboard's way of dragging a link.
 */
export function linkFromKeyboard(at: PortRef): void {
  const start = getState().linking;
  if (!start) {
    setState((s) => ({ ...s, linking: at }));
    startedToast = toast('Link started: Tab to a port on another node and press Enter (Escape cancels)', 'info');
    return;
  }
  if (start.node === at.node && start.port === at.port && start.side === at.side) return cancelKeyboardLink();
  if (start.side === at.side) {
    // two outputs or two inputs: the new one becomes the start, as a click on another socket would
    setState((s) => ({ ...s, linking: at }));
    return;
  }
  cancelKeyboardLink();
  const [out, inp] = start.side === 'source' ? [start, at] : [at, start];
  void tryConnect({ source: out.node, sourceHandle: out.port, target: inp.node, targetHandle: inp.port });
}

/** Lets a started link go (made, or given up), and with it the hint that says how to finish it. */
export function cancelKeyboardLink(): void {
  setState((s) => (s.linking ? { ...s, linking: undefined } : s));
  if (startedToast !== undefined) dismissToast(startedToast);
  startedToast = undefined;
}
