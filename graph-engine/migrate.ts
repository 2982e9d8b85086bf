import { isRecord } from './json.ts';
import type { LoadIssue } from './load-issue.ts';
import { migrateV1, type ParamOrder } from './migrate-v1.ts';

export type { ParamOrder } from './migrate-v1.ts';

/** The schemaVersion this app writes. */
export const CURRENT_SCHEMA_VERSION = 2;

/** Each step takes a document of version N to N+1, reporting what it could not carry over. */
const STEPS: Record<number, (doc: Record<string, unknown>, order?: ParamOrder) => MigrationStep> = { 1: migrateV1 };

export interface MigrationStep {
  doc: Record<string, unknown>;
  issues: LoadIssue[];
}

export type Migrated =
  | { ok: true; doc: Record<string, unknown>; from?: number; issues: LoadIssue[] }
  | { ok: false; issues: LoadIssue[] };

/** Brings a parsed workflow file of any known schemaVersion up to the current one. */
export function migrateWorkflow(json: unknown, order?: ParamOrder): Migrated {
  if (!isRecord(json)) return fail('(root)', 'invalid_type', 'a workflow file is a JSON object');
  const version = json.schemaVersion;
  if (version === undefined) return fail('schemaVersion', 'missing-version', 'schemaVersion is missing');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return fail('schemaVersion', 'bad-version', `schemaVersion must be a whole number ≥ 1, not ${short(version)}`);
  }
  if (version > CURRENT_SCHEMA_VERSION) {
    const message = `schemaVersion ${version} is newer than this app reads (${CURRENT_SCHEMA_VERSION}); update the app`;
    return fail('schemaVersion', 'too-new', message);
  }
  let doc = json;
  const issues: LoadIssue[] = [];
  for (let v = version; v < CURRENT_SCHEMA_VERSION; v++) {
    const step = STEPS[v](doc, order);
    doc = step.doc;
    issues.push(...step.issues);
  }
  return version === CURRENT_SCHEMA_VERSION ? { ok: true, doc, issues } : { ok: true, doc, from: version, issues };
}

function fail(path: string, code: string, message: string): Migrated {
  return { ok: false, issues: [{ path, code, message }] };
}

/** The value for a message: primitives as written (cut short), containers by their kind only. */
function short(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (value === null || typeof value !== 'object') return String(value).slice(0, 40);
  return 'an object';
}
