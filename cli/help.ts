/** The text of `layerflow --help`. */
export const HELP = `layerflow — layer-aware video generation from node graphs

Usage:
  layerflow run <workflow.json|preset> [options]   run a workflow, writing outputs and manifest.json
      --set <node.param=value>   set a param (repeatable); the value is JSON when it parses, else text
      --target <nodeId>          run only what this node needs (repeatable; default: every output node)
      --out <dir>                output folder (default ./out/<time>-<workflow title>)
      --json                     print engine events as JSON lines (the default when not on a terminal)
      --sweep <node.param=SPEC>  one job per combination of values (repeatable); SPEC is A..B, a,b,c or
                                 @file (one value per line); writes index.json and contact-sheet.png to --out
      --redis <url>              queue on the farm instead of running here (redis:// or rediss://, password
                                 in the URL; or set LAYERFLOW_REDIS); Ctrl-C cancels the job on its worker
      --shared <dir>             the workers' --out folder as mounted here (farm sweeps read their runs)
      --job-id <id>              the job's id (a sweep's prefix); submitting an id again is the same job
      --priority <n>  --attempts <n>  --detach
                                 farm only: BullMQ priority (1 first), runs before failing (default 2),
                                 print the job id and return without waiting
  layerflow run <preset> --help    the preset's form fields, their defaults and how to set them
  layerflow demo [--out DIR] [--rgb] [--set <node.param=value> …]
                                   text-to-layers on the built-in demo pack (CPU, seconds): foreground
                                   (with alpha), background and blend videos, contact sheet, manifest.json
  layerflow validate <workflow.json|preset> [--json]
                                   check a workflow; one problem per line as "node <id> · <field>: <message>"
  layerflow nodes [--json]         list every node: type, version, category, ports, params
  layerflow presets [--json]       list the shipped presets and your own, with their files
  layerflow schema                 print the workflow file format as JSON Schema
  layerflow serve [--port N] [--data DIR] [--open] [--redis URL --shared DIR]
                                   the editor and its API on 127.0.0.1 (HTTP + WebSocket, per-launch
                                   token in the printed URL); --open opens it in the browser; with
                                   --redis its jobs run on the farm (--shared: where their runs are)
  layerflow worker --redis URL [--concurrency N] [--packs a,b] [--out DIR] [--read-root DIR …]
                   [--lock-seconds 30] [--max-step-seconds 600] [--stalled-seconds 30]
                   [--max-stalled 2] [--grace-seconds 30] [--node-pack M] [--id NAME]
                                   take farm jobs for the packs it holds (default: demo packs and every
                                   installed pack), run folders to --out (a shared folder); SIGTERM
                                   finishes jobs for the grace period, then returns them to the queue
  layerflow workers --redis URL [--json]
                                   the live workers (packs, device, free memory, jobs) and queue counts
  layerflow doctor [--json]        what this machine runs with: Node, which ffmpeg and ffprobe (and
                                   whether they write and read back VP9 with alpha, H.264, ProRes 4444,
                                   GIF), onnxruntime-node and its providers, the tests' browser; exit 1
                                   when something the demo needs is missing
  layerflow pack import <path…> [--out DIR] [--name P] [--dtype float16|float32] [--config F] [--force]
                                   import the released LayerFlow checkpoints with CogVideoX's VAE and T5
                                   (layerflow pack import --help); one pack per variant
  layerflow pack list [--json]     installed packs (~/.layerflow/packs, or $LAYERFLOW_DATA/packs) and built-in ones
  layerflow pack verify <pack>     re-hash every file of a pack (a name or a folder)
  layerflow <command> --help       help for one command
  layerflow --help | --version

Presets are the shipped ones and those saved in the editor ("Save as preset…"), found by name; yours
live in <data>/presets (data: --data DIR, $LAYERFLOW_DATA, else ~/.layerflow).

Options for run, validate and nodes:
      --node-pack <module>       also load the nodes a module exports as \`nodes\` (repeatable)

Exit codes:
  0    ok (workflow valid, run finished, doctor found everything the demo needs)
  1    workflow invalid, the run failed, or doctor found something missing
  2    usage error (unknown command or option, missing file, unknown node or param in --set)
  130  cancelled (Ctrl-C once cancels the run cleanly; a second Ctrl-C exits at once)
`;

const NODE_PACK = '  --node-pack <module>       also load the nodes a module exports as `nodes` (repeatable)\n';
const DATA =
  '  --data <dir>               where your presets are: <dir>/presets (default $LAYERFLOW_DATA or ~/.layerflow)\n';

/** `layerflow <command> --help`. */
export const COMMAND_HELP: Record<string, string> = {
  run: `Usage: layerflow run <workflow.json|preset> [options]

Runs a workflow file or a preset (shipped, or saved in the editor) and writes its outputs and
manifest.json into one folder. \`layerflow run <preset> --help\` lists the preset's form fields.

Options:
  --set <node.param=value>   set a param (repeatable); JSON when it parses, else text. File params take a
                             path relative to here, e.g. --set input.path=clip.mp4
  --target <nodeId>          run only what this node needs (repeatable; default: every output node)
  --out <dir>                output folder (default ./out/<YYYYMMDD-HHMMSS>-<workflow title>)
  --json                     engine events as JSON lines (the default when not on a terminal)
  --sweep <node.param=SPEC>  one job per combination of values (repeatable); SPEC is A..B, a,b,c or
                             @file (one value per line); writes index.json and contact-sheet.png to --out
  --redis <url>              queue on the farm instead of running here (redis:// or rediss://, password
                             in the URL; or set LAYERFLOW_REDIS); Ctrl-C cancels the job on its worker
  --shared <dir>             the workers' --out folder as mounted here (farm sweeps read their runs)
  --job-id <id>              the job's id (a sweep's prefix); submitting an id again is the same job
  --priority <n>             farm only: BullMQ priority (1 first)
  --attempts <n>             farm only: runs before failing (default 2)
  --detach                   farm only: print the job id and return without waiting
${DATA}${NODE_PACK}
Examples:
  layerflow run text-to-layers --set prompts.foreground="red circle moving right"
  layerflow run decompose --set input.path=clip.mp4 --out out/clip
`,
  demo: `Usage: layerflow demo [--out DIR] [--rgb] [--set <node.param=value> …] [--json]

Runs text-to-layers on the built-in demo pack (a closed-form model over a library of layered clips, not
LayerFlow's weights; CPU, seconds) and lists the files it wrote.

Options:
  --out <dir>                output folder (default out/demo)
  --rgb                      the RGB variant (layers fg, bg, blend) instead of RGBA
  --set <node.param=value>   as for run, e.g. --set prompts.foreground="blue triangle moving right"
  --json                     engine events as JSON lines
`,
  validate: `Usage: layerflow validate <workflow.json|preset> [--json]

Checks a workflow without running it: exit 0 when valid, 1 with one problem per line
("node <id> · <field>: <message>") when not.

Options:
  --json                     {"valid": bool, "issues": [...]} on stdout
${DATA}${NODE_PACK}`,
  nodes: `Usage: layerflow nodes [--json]

Lists every node: type, version, category, ports (with their shapes) and params (with defaults).

Options:
  --json                     the node specs as JSON (params as JSON Schema)
${NODE_PACK}`,
  presets: `Usage: layerflow presets [--json]

Lists the presets: the main shipped jobs first, then yours (saved in the editor), then the rest, each
with its title and the file it is read from.

Options:
  --json                     name, title, description, source (builtin or user) and path of each
${DATA}`,
  schema: `Usage: layerflow schema

Prints the workflow file format as JSON Schema, for editors and other tools.
`,
  doctor: `Usage: layerflow doctor [--json]

Says what this machine runs with: Node, where ffmpeg and ffprobe come from and whether they write and
read back VP9 with alpha, H.264, ProRes 4444 and GIF, onnxruntime-node and its execution providers, and
the tests' browser. Exit 1 when something the demo needs is missing.

Options:
  --json                     the findings as JSON
`,
  serve: `Usage: layerflow serve [--port N] [--data DIR] [--open] [--redis URL --shared DIR]

Serves the editor and its API on 127.0.0.1 until Ctrl-C. The printed URL carries a per-launch token.

Options:
  --port <n>                 port (default: any free one)
  --data <dir>               data folder: workflows, presets, job queue and outputs
                             (default $LAYERFLOW_DATA or ~/.layerflow)
  --open                     open the URL in the desktop's browser
  --redis <url>              run jobs on the farm instead of here (or set LAYERFLOW_REDIS)
  --shared <dir>             the workers' --out folder as mounted here, where their runs are
`,
  worker: `Usage: layerflow worker --redis URL [options]

Takes farm jobs for the packs it holds and writes their run folders to --out (a shared folder). SIGTERM
finishes jobs for the grace period, then returns them to the queue.

Options:
  --redis <url>              the farm's Redis (or set LAYERFLOW_REDIS)
  --concurrency <n>          jobs at once
  --packs <a,b>              packs it takes jobs for (default: demo packs and every installed pack)
  --out <dir>                where run folders go
  --read-root <dir>          a folder jobs may read files from (repeatable)
  --lock-seconds <n>  --max-step-seconds <n>  --stalled-seconds <n>  --max-stalled <n>  --grace-seconds <n>
                             BullMQ lock, longest node step, stall check, stalls before failing, SIGTERM grace
  --id <name>                the worker's name
${NODE_PACK}`,
  workers: `Usage: layerflow workers --redis URL [--json]

Lists the live farm workers (packs, device, free memory, jobs) and the queue counts.

Options:
  --redis <url>              the farm's Redis (or set LAYERFLOW_REDIS)
  --json                     the list as JSON
`,
};
