import { ancestors, type Cycle, findCycles, hasNode, topologicalOrder } from './graph.ts';
import { type GraphTypes, inferGraphTypes } from './infer.ts';
import { activeGraph } from './modes.ts';
import type { NodeRegistry } from './registry.ts';
import type { NodeSpec } from './spec.ts';
import { validationError as err, type ValidationError } from './validation-error.ts';
import type { Workflow } from './workflow.ts';

export interface ValidateOptions {
  /** Check only what these nodes need (they and their ancestors), as a run of these targets would. */
  targets?: readonly string[];
}

/**
 * Every problem that would stop the workflow (or the targets' part of it) from running, addressed to
 * node and field: unknown types, bad params, unconnected or dangling inputs, type mismatches, cycles,
 * the specs' constraints and what nodes need from this machine (e.g. ffmpeg). Shared by editor, CLI and
 * server; never throws on a loaded workflow.
 */
export function validateWorkflow(
  original: Workflow,
  registry: NodeRegistry,
  opts: ValidateOptions = {},
): ValidationError[] {
  // Bypassed and muted nodes (and what needs a muted one) do not run, so they are not checked.
  const active = activeGraph(original, registry);
  const wf = active.workflow;
  const targets = opts.targets?.filter((id) => hasNode(wf, id) || Object.hasOwn(active.skipped, id));
  const scope = targets ? ancestors(wf, targets) : new Set(Object.keys(wf.nodes));
  const types = inferGraphTypes(wf, registry, targets);
  const errors = (opts.targets ?? [])
    .filter((id) => !hasNode(original, id))
    .map((id) => err(id, undefined, 'unknown-target', `there is no node "${id}" to run`));
  errors.push(...active.issues);
  for (const id of Object.keys(wf.nodes)) if (scope.has(id)) errors.push(...checkNode(wf, id, registry, types));
  errors.push(...findCycles(wf, topologicalOrder(wf, scope).rest).flatMap(cycleErrors));
  errors.push(...types.issues);
  errors.push(...checkForm(original, registry));
  return errors;
}

function checkNode(wf: Workflow, id: string, registry: NodeRegistry, types: GraphTypes): ValidationError[] {
  const { type, typeVersion } = wf.nodes[id];
  const spec = registry.get(type, typeVersion);
  if (spec) {
    return [
      ...checkParams(wf, id, spec),
      ...checkInputs(wf, id, spec, registry, types),
      ...checkEnvironment(wf, id, spec),
    ];
  }
  const versions = registry.versions(type);
  if (versions.length === 0) {
    return [err(id, undefined, 'unknown-type', `unknown node type "${type}" (is its node pack installed?)`)];
  }
  const message = `${type} has no version ${typeVersion} (installed: ${versions.join(', ')})`;
  return [err(id, undefined, 'unknown-version', message)];
}

function checkParams(wf: Workflow, id: string, spec: NodeSpec): ValidationError[] {
  const params = wf.nodes[id].params;
  const known = Object.keys(spec.params.shape);
  const unknown = Object.keys(params).filter((name) => !Object.hasOwn(spec.params.shape, name));
  const errors = unknown.map((name) =>
    err(id, name, 'unknown-param', `${spec.type} has no param "${name}" (params: ${known.join(', ') || 'none'})`),
  );
  const parsed = spec.params.safeParse(params);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') continue; // reported above, one per name
    const [name, ...sub] = issue.path.map(String);
    const missing = issue.path.length === 1 && (!Object.hasOwn(params, name) || params[name] === undefined);
    const message = sub.length > 0 ? `${sub.join('.')}: ${issue.message}` : issue.message;
    errors.push(err(id, name, missing ? 'missing-param' : 'bad-param', message));
  }
  return errors;
}

/** The node's own check of what it needs from this machine, once its params are valid. */
function checkEnvironment(wf: Workflow, id: string, spec: NodeSpec): ValidationError[] {
  if (!spec.checkEnvironment) return [];
  const parsed = spec.params.safeParse(wf.nodes[id].params);
  if (!parsed.success) return []; // reported by checkParams
  return spec.checkEnvironment(parsed.data).map((i) => err(id, i.field, 'missing-tool', i.message));
}

function checkInputs(
  wf: Workflow,
  id: string,
  spec: NodeSpec,
  registry: NodeRegistry,
  types: GraphTypes,
): ValidationError[] {
  const { inputs } = wf.nodes[id];
  const errors = Object.keys(inputs)
    .filter((name) => !Object.hasOwn(spec.inputs, name))
    .map((name) =>
      err(id, name, 'unknown-input', `${spec.type} has no input "${name}" (inputs: ${portList(spec.inputs)})`),
    );
  for (const [name, port] of Object.entries(spec.inputs)) {
    const link = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
    if (!link) {
      if (!port.optional) {
        const kind = registry.kinds.describe(port.type);
        errors.push(err(id, name, 'missing-input', `required input "${name}" (${kind}) is not connected`));
      }
      continue;
    }
    if (!hasNode(wf, link.node)) {
      errors.push(err(id, name, 'missing-node', `input "${name}" reads node "${link.node}", which does not exist`));
      continue;
    }
    const from = wf.nodes[link.node];
    const fromSpec = registry.get(from.type, from.typeVersion);
    if (!fromSpec) continue; // its unknown type is reported on that node
    if (!Object.hasOwn(fromSpec.outputs, link.output)) {
      const message = `input "${name}" reads output "${link.output}" of node "${link.node}", which ${from.type} does not have (outputs: ${portList(fromSpec.outputs)})`;
      errors.push(err(id, name, 'missing-output', message));
      continue;
    }
    const type = types.outputs[link.node]?.[link.output] ?? fromSpec.outputs[link.output].type;
    const mismatch = registry.kinds.mismatch(type, port.type);
    if (mismatch) errors.push(err(id, name, 'type-mismatch', `${link.node}.${link.output} → ${name}: ${mismatch}`));
  }
  return errors;
}

/** One error per node on the cycle, each naming the whole loop in the direction data flows. */
function cycleErrors(cycle: Cycle): ValidationError[] {
  const ids = cycle.map((step) => step.nodeId);
  const flow = [ids[0], ...ids.slice(1).reverse()];
  const message = `these nodes form a cycle: ${[...flow, flow[0]].join(' → ')}`;
  return cycle.map((step) => err(step.nodeId, step.input, 'cycle', message));
}

/** A form names params of this workflow's nodes; a stale entry would show a field that sets nothing. */
function checkForm(wf: Workflow, registry: NodeRegistry): ValidationError[] {
  return (wf.form ?? []).flatMap((field, i) => {
    if (!hasNode(wf, field.node)) {
      return [
        err(
          field.node,
          field.param,
          'bad-form',
          `form field ${i + 1} names node "${field.node}", which does not exist`,
        ),
      ];
    }
    const spec = registry.get(wf.nodes[field.node].type, wf.nodes[field.node].typeVersion);
    if (!spec || Object.hasOwn(spec.params.shape, field.param)) return [];
    return [
      err(
        field.node,
        field.param,
        'bad-form',
        `form field ${i + 1} names param "${field.param}", which ${spec.type} does not have`,
      ),
    ];
  });
}

function portList(ports: Record<string, unknown>): string {
  return Object.keys(ports).join(', ') || 'none';
}
