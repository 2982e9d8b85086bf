/** How one param is edited, read from its JSON Schema and the `.meta()` hints the node author gave. */
export type Widget =
  | 'slider'
  | 'number'
  | 'text'
  | 'textarea'
  | 'seed'
  | 'choice'
  | 'toggle'
  | 'file'
  | 'pack'
  | 'json';

export interface ParamField {
  name: string;
  label: string;
  widget: Widget;
  min?: number;
  max?: number;
  step?: number;
  integer: boolean;
  choices?: { value: string | number; label: string }[];
  default?: unknown;
  docs?: string;
  required: boolean;
  /** File params: the extensions the node reads, and whether it takes a folder. */
  extensions?: string[];
  folder?: boolean;
}

type JsonSchema = Record<string, unknown>;

function numberOr(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e15 ? v : undefined;
}

function choicesOf(s: JsonSchema): ParamField['choices'] {
  const meta = s.choices as unknown[] | undefined;
  if (Array.isArray(meta)) {
    return meta.map((c) =>
      typeof c === 'object' && c !== null
        ? {
            value: (c as { value: string }).value,
            label: String((c as { label?: string }).label ?? (c as { value: string }).value),
          }
        : { value: c as string, label: String(c) },
    );
  }
  if (Array.isArray(s.enum)) return (s.enum as (string | number)[]).map((v) => ({ value: v, label: String(v) }));
  return undefined;
}

function widgetOf(s: JsonSchema, choices: ParamField['choices']): Widget {
  const hint = s.widget as string | undefined;
  const known: Widget[] = ['slider', 'number', 'text', 'textarea', 'seed', 'choice', 'toggle', 'file', 'pack'];
  if (hint === 'path') return 'file';
  if (hint && (known as string[]).includes(hint)) return hint as Widget;
  if (choices) return 'choice';
  if (s.type === 'boolean') return 'toggle';
  if (s.type === 'number' || s.type === 'integer') {
    return numberOr(s.minimum) !== undefined && numberOr(s.maximum) !== undefined && s.type === 'number'
      ? 'slider'
      : 'number';
  }
  if (s.type === 'string') return (numberOr(s.maxLength) ?? 0) > 200 ? 'textarea' : 'text';
  return 'json';
}

/** The editable fields of a node's params schema, in declaration order. */
export function paramFields(schema: JsonSchema): ParamField[] {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => {
    const choices = choicesOf(s);
    return {
      name,
      label: String(s.label ?? s.title ?? name),
      widget: widgetOf(s, choices),
      min: numberOr(s.minimum) ?? numberOr(s.exclusiveMinimum),
      max: numberOr(s.maximum) ?? numberOr(s.exclusiveMaximum),
      step: numberOr(s.step) ?? (s.type === 'integer' ? 1 : undefined),
      integer: s.type === 'integer',
      choices,
      default: s.default,
      docs: typeof s.description === 'string' ? s.description : typeof s.docs === 'string' ? s.docs : undefined,
      required: required.has(name) && s.default === undefined,
      ...(Array.isArray(s.extensions) ? { extensions: s.extensions as string[] } : {}),
      ...(s.folder === true ? { folder: true } : {}),
    };
  });
}
