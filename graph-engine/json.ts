/** A plain JSON object (not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON with object keys sorted at every depth, so equal values give equal text whatever the key order
 * (cache keys hash this). Non-JSON numbers become null as in JSON.stringify.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/**
 * The path of the first value nested deeper than `maxDepth` objects/arrays, or undefined. Iterative, so
 * a 100 000-deep document is refused with its path instead of overflowing the stack of whatever walks
 * it next (JSON.stringify, structuredClone, canonicalJson).
 */
export function tooDeepAt(value: unknown, maxDepth: number): string[] | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop() as { value: unknown; path: string[] };
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= maxDepth) return path;
    for (const [k, child] of Object.entries(v)) stack.push({ value: child, path: [...path, k] });
  }
  return undefined;
}
