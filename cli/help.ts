/** The text of `layerflow --help`. */
export const HELP = `layerflow — layer-aware video generation from node graphs

Usage:
  layerflow run <workflow.json|preset> [options]   run a workflow, writing outputs and manifest.json
      --set <node.param=value>   set a param (repeatable); the value is JSON when it parses, else text
      --target <nodeId>          run only what this node needs (repeatable; default: every output node)
      --out <dir>                output folder (default ./out/<timestamp>-<name>)
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
  layerflow demo [--out DIR] [--rgb] [--set <node.param=value> …]
                                   text-to-layers on the built-in demo pack (CPU, seconds): foreground
                                   (with alpha), background and blend videos, contact sheet, manifest.json
  layerflow validate <workflow.json|preset> [--json]
                                   check a workflow; one problem per line as "node <id> · <field>: <message>"
  layerflow nodes [--json]         list every node: type, version, category, ports, params
  layerflow presets [--json]       list the shipped presets
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
  layerflow --help | --version

Options for run, validate and nodes:
      --node-pack <module>       also load the nodes a module exports as \`nodes\` (repeatable)

Exit codes:
  0    ok (workflow valid, run finished, doctor found everything the demo needs)
  1    workflow invalid, the run failed, or doctor found something missing
  2    usage error (unknown command or option, missing file, unknown node or param in --set)
  130  cancelled (Ctrl-C once cancels the run cleanly; a second Ctrl-C exits at once)
`;
