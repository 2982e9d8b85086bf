import { appInfo } from '../graph-engine/app-version.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { COMMAND_HELP, HELP } from './help.ts';

type Command = (args: string[]) => Promise<number>;

/** Loaded on use, so `--help` and light commands do not load every node pack. */
const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.ts')).runCommand,
  demo: async () => (await import('./demo.ts')).demoCommand,
  validate: async () => (await import('./validate.ts')).validateCommand,
  nodes: async () => (await import('./nodes.ts')).nodesCommand,
  presets: async () => (await import('./presets.ts')).presetsCommand,
  schema: async () => (await import('./schema.ts')).schemaCommand,
  serve: async () => (await import('./serve.ts')).serveCommand,
  pack: async () => (await import('./pack.ts')).packCommand,
  worker: async () => (await import('./worker.ts')).workerCommand,
  workers: async () => (await import('./workers.ts')).workersCommand,
  doctor: async () => (await import('./doctor.ts')).doctorCommand,
};

/** Runs one `layerflow` command line and returns the exit code. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(HELP);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${appInfo().version}\n`);
    return EXIT.ok;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) return fail(`unknown command "${name}"`, EXIT.usage);
  // `run <preset> --help` lists the preset's fields and pack has subcommands, so those read their own.
  if (name !== 'run' && Object.hasOwn(COMMAND_HELP, name) && (args.includes('--help') || args.includes('-h'))) {
    process.stdout.write(COMMAND_HELP[name]);
    return EXIT.ok;
  }
  try {
    return await (await load())(args);
  } catch (err) {
    if (err instanceof CliError) return fail(err.message, err.exitCode);
    // parseArgs reports unknown options and missing values with these codes.
    if ((err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
      return fail((err as Error).message, EXIT.usage);
    throw err;
  }
}

function fail(message: string, code: number): number {
  const hint = code === EXIT.usage ? ' (see layerflow --help)' : '';
  process.stderr.write(`layerflow: ${message}${hint}\n`);
  return code;
}

process.exitCode = await main(process.argv.slice(2));
