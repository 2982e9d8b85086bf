/** Undo/redo over immutable snapshots; `limit` keeps memory bounded on long sessions. */
export interface History<T> {
  past: T[];
  present: T;
  future: T[];
}

export function startHistory<T>(present: T): History<T> {
  return { past: [], present, future: [] };
}

/** A new present; `record: false` replaces it in place (e.g. while a drag is in progress). */
export function commit<T>(h: History<T>, next: T, record = true, limit = 200): History<T> {
  if (next === h.present) return h;
  if (!record) return { ...h, present: next };
  return { past: [...h.past, h.present].slice(-limit), present: next, future: [] };
}

export function undo<T>(h: History<T>): History<T> {
  const prev = h.past.at(-1);
  if (prev === undefined) return h;
  return { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future] };
}

export function redo<T>(h: History<T>): History<T> {
  const [next, ...rest] = h.future;
  if (next === undefined) return h;
  return { past: [...h.past, h.present], present: next, future: rest };
}
