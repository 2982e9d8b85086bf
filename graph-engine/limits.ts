/**
 * How much one request or workflow file may hold, checked where it enters (HTTP bodies, WebSocket
 * messages, workflow files), so a crafted document is refused with a message rather than exhausting the
 * stack or the heap of whatever reads it next. Clip sizes are the media library's (media/limits.ts).
 */
export const LIMITS = {
  /** Largest HTTP request body or WebSocket message. */
  requestBytes: 16 * 1024 * 1024,
  /** Largest workflow file, as JSON text. */
  workflowBytes: 8 * 1024 * 1024,
  /** Deepest nesting of objects and arrays in a workflow file (meta, params, layout). */
  workflowDepth: 64,
  /** Most nodes in one workflow. */
  workflowNodes: 5000,
} as const;
