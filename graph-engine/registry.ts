import { z } from 'zod';
import { PortKindRegistry, type PortType } from './ports.ts';
import type { NodeSpec } from './spec.ts';

/** A port as the editor and CLI see it: its type, colour and shape text. */
export interface PortDescription {
  type: PortType;
  optional?: boolean;
  docs?: string;
  color: string;
  text: string;
}

/** A node spec as plain JSON: params as JSON Schema (with `.meta()` UI hints) and their defaults. */
export interface NodeDescription {
  type: string;
  version: number;
  category: string;
  title: string;
  docs: string;
  purity: NodeSpec['purity'];
  inputs: Record<string, PortDescription>;
  outputs: Record<string, PortDescription>;
  params: Record<string, unknown>;
  defaults: Record<string, unknown>;
}

/** Everything registered, as JSON: the palette's nodes and the port kinds' colours and docs. */
export interface RegistryDescription {
  nodes: NodeDescription[];
  kinds: { name: string; color: string; docs: string }[];
}

/** Sockets of kinds nobody registered (e.g. in tests) are drawn grey. */
const UNKNOWN_KIND_COLOR = '#888888';

/** The node types the engine can run, by type and version, with the port kinds their ports use. */
export class NodeRegistry {
  private readonly specs = new Map<string, Map<number, NodeSpec>>();

  constructor(readonly kinds: PortKindRegistry = new PortKindRegistry()) {}

  /** Adds a spec; registering the same type and version twice is a programming error and throws. */
  register(spec: NodeSpec): void {
    const versions = this.specs.get(spec.type) ?? new Map<number, NodeSpec>();
    if (versions.has(spec.version)) throw new Error(`node type "${spec.type}" v${spec.version} is registered twice`);
    versions.set(spec.version, spec as unknown as NodeSpec);
    this.specs.set(spec.type, versions);
  }

  /** The spec of `type` at `version`, or its newest version when none is given. */
  get(type: string, version?: number): NodeSpec | undefined {
    const versions = this.specs.get(type);
    if (!versions) return undefined;
    return versions.get(version ?? Math.max(...versions.keys()));
  }

  /** Registered versions of `type`, oldest first (empty when the type is unknown). */
  versions(type: string): number[] {
    return [...(this.specs.get(type)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** The newest version of every type, sorted by type; older versions only serve old workflows. */
  list(): NodeSpec[] {
    return [...this.specs.keys()].sort().map((type) => this.get(type) as NodeSpec);
  }

  /** Every node (newest versions) and port kind as JSON for the editor's palette and `layerflow nodes`. */
  describe(): RegistryDescription {
    return {
      nodes: this.list().map((spec) => this.describeNode(spec)),
      kinds: this.kinds.list().map(({ name, color, docs }) => ({ name, color, docs })),
    };
  }

  /** One spec as JSON. */
  describeNode(spec: NodeSpec): NodeDescription {
    const { $schema: _drop, ...params } = z.toJSONSchema(spec.params, { io: 'input', unrepresentable: 'any' });
    const ports = (all: NodeSpec['inputs'] | NodeSpec['outputs']) =>
      Object.fromEntries(Object.entries(all).map(([name, port]) => [name, this.describePort(port)]));
    return {
      type: spec.type,
      version: spec.version,
      category: spec.category,
      title: spec.title,
      docs: spec.docs,
      purity: spec.purity,
      inputs: ports(spec.inputs),
      outputs: ports(spec.outputs),
      params,
      defaults: paramDefaults(spec.params),
    };
  }

  private describePort(port: { type: PortType; optional?: boolean; docs?: string }): PortDescription {
    return {
      ...port,
      color: this.kinds.get(port.type.kind)?.color ?? UNKNOWN_KIND_COLOR,
      text: this.kinds.describe(port.type),
    };
  }
}

/** Param defaults, as parsing a missing value gives them (params without a default are left out). */
function paramDefaults(params: z.ZodObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(params.shape)) {
    const parsed = (field as z.ZodType).safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) out[name] = parsed.data;
  }
  return out;
}
