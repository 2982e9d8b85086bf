import { z } from 'zod';

/**
 * Port types are structural: a kind name plus shape fields (e.g. a Video knows frames, size, channels).
 * Fields left out are unknown (e.g. before a file is probed). The engine knows no kinds itself; packs
 * register them (nodes/types.ts) with a schema for their fields and the rules that relate them.
 */
export const PortTypeSchema = z
  .object({ kind: z.string().min(1) })
  .catchall(z.union([z.number(), z.string(), z.boolean(), z.array(z.string()), z.null()]));
export type PortType = z.infer<typeof PortTypeSchema>;

/** Why two types do not fit, or null when they do. */
export type Mismatch = string | null;

export interface PortKind {
  name: string;
  /** Hex colour of sockets and edges of this kind in the editor. */
  color: string;
  docs: string;
  /** Schema of the shape fields (all optional: unknown until inferred). */
  fields: z.ZodObject;
  /** Extra compatibility rule beyond "same kind, known fields equal"; returns the reason if not. */
  compatible?: (from: PortType, to: PortType) => Mismatch;
  /** Short human shape text for edges, e.g. "3×16f 64×64 RGBA". */
  describe?: (t: PortType) => string;
  /** Shape of a runtime value of this kind, for error messages and the event stream. */
  typeOf?: (value: unknown) => PortType;
  /** Bytes a runtime value holds, for the cache's memory bound. */
  sizeOf?: (value: unknown) => number;
}

/** Kinds that accept any value (e.g. a Preview node's input). */
export const ANY_KIND = 'Any';

export class PortKindRegistry {
  private kinds = new Map<string, PortKind>();

  register(kind: PortKind): void {
    if (this.kinds.has(kind.name)) throw new Error(`port kind "${kind.name}" is registered twice`);
    this.kinds.set(kind.name, kind);
  }

  get(name: string): PortKind | undefined {
    return this.kinds.get(name);
  }

  list(): PortKind[] {
    return [...this.kinds.values()];
  }

  /** Whether a value of type `from` may flow into a socket of type `to`; the reason when not. */
  mismatch(from: PortType, to: PortType): Mismatch {
    if (to.kind === ANY_KIND || from.kind === ANY_KIND) return null;
    if (from.kind !== to.kind) return `a ${from.kind} output cannot feed a ${to.kind} input`;
    for (const [field, want] of Object.entries(to)) {
      if (field === 'kind' || want === undefined || want === null) continue;
      const have = from[field];
      if (have === undefined || have === null) continue;
      if (JSON.stringify(have) !== JSON.stringify(want)) {
        return `${to.kind} ${field} is ${JSON.stringify(have)} but this input needs ${JSON.stringify(want)}`;
      }
    }
    return this.kinds.get(to.kind)?.compatible?.(from, to) ?? null;
  }

  describe(t: PortType): string {
    return this.kinds.get(t.kind)?.describe?.(t) ?? t.kind;
  }
}
