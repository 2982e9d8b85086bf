import type { Note } from '../../api/schemas.ts';
import type { ParamField } from '../model/param-fields.ts';
import { FileField } from './FileField.tsx';

interface Props {
  field: ParamField;
  value: unknown;
  onChange(value: unknown): void;
  /** Validation message for this field, painted in place. */
  error?: string;
  packs?: string[];
  /** Whose field this is (the node's title), so its accessible name says which node's "seed" it is. */
  owner?: string;
  /** Unique per page: the node id, so the label points at this node's field. */
  scope?: string;
  /** What the node says about this field (a resize it will do, a caveat). */
  notes?: Note[];
}

/** The engine's "draw a seed when the job is submitted" value (graph-engine/seeds.ts). */
export const UNLOCKED_SEED = -1;

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

function toNumber(text: string, integer: boolean): number | undefined {
  const n = integer ? Number.parseInt(text, 10) : Number.parseFloat(text);
  return Number.isFinite(n) ? n : undefined;
}

/** One param editor chosen from the JSON Schema and its UI hints. */
export function ParamWidget({ field, value, onChange, error, packs, owner, scope, notes = [] }: Props) {
  const id = `param-${scope ?? 'form'}-${field.name}`;
  const name = owner ? `${owner} · ${field.label}` : field.label;
  const a11y = { id, 'aria-label': name, 'aria-invalid': error ? true : undefined };
  const v = value ?? field.default;
  let input: React.ReactNode;
  switch (field.widget) {
    case 'slider':
      input = (
        <div className="slider-row">
          <input
            {...a11y}
            type="range"
            min={field.min}
            max={field.max}
            step={field.step ?? ((field.max ?? 1) - (field.min ?? 0)) / 100}
            value={Number(v ?? field.min ?? 0)}
            onChange={(e) => onChange(Number(e.target.value))}
          />
          <input
            className="num"
            type="number"
            aria-label={`${name} (value)`}
            value={Number(v ?? 0)}
            step={field.step ?? 'any'}
            onChange={(e) => {
              const n = toNumber(e.target.value, field.integer);
              if (n !== undefined) onChange(n);
            }}
          />
        </div>
      );
      break;
    case 'number':
      input = (
        <input
          {...a11y}
          type="number"
          value={v === undefined ? '' : Number(v)}
          min={field.min}
          max={field.max}
          step={field.step ?? 'any'}
          onChange={(e) => onChange(toNumber(e.target.value, field.integer))}
        />
      );
      break;
    case 'seed': {
      const locked = v !== UNLOCKED_SEED;
      input = (
        <div className="seed-row">
          <input
            {...a11y}
            type="number"
            value={locked && v !== undefined ? Number(v) : ''}
            placeholder={locked ? '' : 'new each run'}
            disabled={!locked}
            step={1}
            onChange={(e) => onChange(toNumber(e.target.value, true))}
          />
          <button
            type="button"
            title="New random seed"
            aria-label={`${name}: new random seed`}
            onClick={() => onChange(randomSeed())}
          >
            random
          </button>
          <label className="lock" title="Locked: keep this seed. Unlocked: the engine draws a new seed every run.">
            <input
              type="checkbox"
              aria-label={`${name}: keep this seed`}
              checked={locked}
              onChange={(e) => onChange(e.target.checked ? randomSeed() : UNLOCKED_SEED)}
            />
            lock
          </label>
        </div>
      );
      break;
    }
    case 'textarea':
      input = <textarea {...a11y} rows={3} value={String(v ?? '')} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'choice':
      input = (
        <select
          {...a11y}
          value={String(v ?? '')}
          onChange={(e) => onChange(field.choices?.find((c) => String(c.value) === e.target.value)?.value)}
        >
          {v === undefined && <option value="">—</option>}
          {field.choices?.map((c) => (
            <option key={String(c.value)} value={String(c.value)}>
              {c.label}
            </option>
          ))}
        </select>
      );
      break;
    case 'toggle':
      input = <input {...a11y} type="checkbox" checked={Boolean(v)} onChange={(e) => onChange(e.target.checked)} />;
      break;
    case 'pack':
      input = (
        <select {...a11y} value={String(v ?? '')} onChange={(e) => onChange(e.target.value || undefined)}>
          <option value="">choose a model pack…</option>
          {/* The spec's own choices (e.g. built-in packs), the packs found on disk, and the current value. */}
          {[
            ...new Set([
              ...(field.choices ?? []).map((c) => String(c.value)),
              ...(packs ?? []),
              ...(v ? [String(v)] : []),
            ]),
          ].map((p) => (
            <option key={p} value={p}>
              {field.choices?.find((c) => String(c.value) === p)?.label ?? p}
            </option>
          ))}
        </select>
      );
      break;
    case 'file':
      input = (
        <FileField
          id={id}
          label={name}
          value={String(v ?? '')}
          extensions={field.extensions ?? []}
          folder={field.folder ?? false}
          onChange={onChange}
        />
      );
      break;
    case 'json':
      input = <code className="json">{JSON.stringify(v)}</code>;
      break;
    default:
      input = <input {...a11y} type="text" value={String(v ?? '')} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <div className={`param nodrag${error ? ' has-error' : ''}`} data-param={field.name} title={field.docs}>
      <label htmlFor={id}>{field.label}</label>
      {input}
      {error && <div className="field-error">{error}</div>}
      {notes.map((n) => (
        <div key={n.message} className={`field-note note-${n.level}`} data-note={n.level}>
          {n.message}
        </div>
      ))}
    </div>
  );
}
