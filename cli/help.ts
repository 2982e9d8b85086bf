/** The text of `layerflow --help`. */
export const HELP = `layerflow — layer-aware video generation from node graphs

Usage:
  layerflow run <workflow.json|preset> [options]   run a workflow, writing outputs and manifest.json
      --set <node.param=value>   set a param (repeatable); the value is JSON when it parses, else text
      --target <nodeId>          run only what this node needs (repeatable; default: every output node)
      --out <dir>                output folder (default ./out/<time>-<workflow title>)
      --json                     print engine events as JSON lines (the default when not on a terminal)
  layerflow run <preset> --help    the preset's form fields, their defaults and how to set them
  layerflow demo [--out DIR] [--rgb] [--set <node.param=value> …]
                                   text-to-layers on the built-in demo pack (CPU, seconds): foreground
                                   (with alpha), background and blend videos, contact sheet, manifest.json
  layerflow validate <workflow.json|preset> [--json]
                                   check a workflow; one problem per line as "node <id> · <field>: <message>"
  layerflow nodes [--json]         list every node: type, version, category, ports, params
  layerflow presets [--json]       list the shipped presets and your own, with their files
  layerflow schema                 print the workflow file format as JSON Schema
  layerflow serve [--port N] [--data DIR] [--open]
                                   the editor and its API on 127.0.0.1 (HTTP + WebSocket, per-launch
                                   token in the printed URL); --open opens it in the browser
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
  serve: `Usage: layerflow serve [--port N] [--data DIR] [--open]

Serves the editor and its API on 127.0.0.1 until Ctrl-C. The printed URL carries a per-launch token.

Options:
  --port <n>                 port (default: any free one)
  --data <dir>               data folder: workflows, presets, job queue and outputs
                             (default $LAYERFLOW_DATA or ~/.layerflow)
  --open                     open the URL in the desktop's browser
`,
};
