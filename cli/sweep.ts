import { readFileSync } from 'node:fs';
import { UsageError } from './exit-codes.ts';
import { type ParamSetting, parseSetting } from './set-params.ts';

/** One `--sweep node.param=SPEC`: the param and the values it takes. */
export interface SweepAxis {
  key: string;
  nodeId: string;
  param: string;
  values: unknown[];
}

/** Combinations a sweep may fan out to; more is almost surely a typo in a range. */
export const MAX_COMBINATIONS = 1000;

/**
 * Parses `node.param=SPEC` where SPEC is `A..B` (whole numbers, both ends included), `@file` (one value
 * per non-empty line) or `a,b,c`; each value is read like a `--set` value (JSON when it parses, else text).
 */
export function parseSweep(text: string): SweepAxis {
  const { nodeId, param } = parseSetting(text.replace(/=.*$/s, '=0'));
  const spec = text.slice(text.indexOf('=') + 1);
  const values = sweepValues(spec, text);
  if (values.length === 0) throw new UsageError(`--sweep ${text}: no values`);
  return { key: `${nodeId}.${param}`, nodeId, param, values };
}

function sweepValues(spec: string, text: string): unknown[] {
  const range = /^(-?\d+)\.\.(-?\d+)$/.exec(spec);
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (to < from) throw new UsageError(`--sweep ${text}: the range ends before it starts`);
    if (to - from >= MAX_COMBINATIONS) throw new UsageError(`--sweep ${text}: more than ${MAX_COMBINATIONS} values`);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  if (spec.startsWith('@')) {
    const file = spec.slice(1);
    let body: string;
    try {
      body = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--sweep ${text}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    return body
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map(asSetValue);
  }
  return spec.split(',').map((v) => asSetValue(v.trim()));
}

function asSetValue(raw: string): unknown {
  return parseSetting(`x.y=${raw}`).value;
}

/** Every combination of the axes' values, the first axis varying slowest, as settings to apply. */
export function combinations(axes: SweepAxis[]): ParamSetting[][] {
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_COMBINATIONS) {
    throw new UsageError(`the sweep has ${total} combinations; at most ${MAX_COMBINATIONS} are allowed`);
  }
  let combos: ParamSetting[][] = [[]];
  for (const axis of axes) {
    combos = combos.flatMap((c) =>
      axis.values.map((value) => [...c, { nodeId: axis.nodeId, param: axis.param, value }]),
    );
  }
  return combos;
}

/** A short label of one combination for the contact sheet and the index: `seed=3 foreground=red circle…`. */
export function comboLabel(combo: ParamSetting[]): string {
  return combo
    .map(({ param, value }) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return `${param}=${text.length > 24 ? `${text.slice(0, 23)}…` : text}`;
    })
    .join(' ');
}
