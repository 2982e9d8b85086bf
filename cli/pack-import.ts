import { parseArgs } from 'node:util';
import { CheckpointError } from '../models/import/errors.ts';
import { importRelease } from '../models/import/pack-import.ts';
import { readImportConfigs } from '../models/import/release-config.ts';
import { PackError } from '../models/pack/errors.ts';
import { installedPacksDir } from '../models/pack/installed.ts';
import { TorchFileError } from '../models/torch/errors.ts';
import { WeightFileError } from '../models/weights/file-error.ts';
import { byteProgress } from './byte-progress.ts';
import { EXIT, UsageError } from './exit-codes.ts';

export const IMPORT_HELP = `layerflow pack import <path…> [options]
  Imports the released LayerFlow checkpoints with CogVideoX-2B's VAE and T5, as downloaded:
    LayerFlow/<folder>/ (any of the eight: multi-layer-generation-rgba, multi-layer-decomposition-rgb, …),
    CogVideoX-2b-sat/vae/3d-vae.pt and CogVideoX-2b-sat/t5-v1_1-xxl/ — or folders holding them.
  Writes one pack per variant (<name>-rgba, <name>-rgb) with the tasks given; they share the T5 and VAE files.
      --out <dir>            where the packs go (default: ${installedPacksDir()})
      --name <prefix>        pack name prefix (default: layerflow)
      --dtype <type>         float16 (GPU, default) or float32 (CPU) for the transformers and T5
      --config <file.json>   sizes other than the released ones: a DiT config, or a release description
                             (sizes, dit[].folder + dit[].config, vae.config) such as release-tiny.json
      --force                replace packs that already exist
      --json                 progress and the result as JSON lines
`;

const size = (bytes: number) =>
  bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** `layerflow pack import <paths…>`. */
export async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      name: { type: 'string' },
      dtype: { type: 'string' },
      config: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(IMPORT_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('pack import takes the downloaded folders or files');
  const dtype = values.dtype ?? 'float16';
  if (dtype !== 'float16' && dtype !== 'float32') throw new UsageError(`--dtype is float16 or float32, not ${dtype}`);
  if (values.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(values.name)) {
    throw new UsageError(`--name must be a plain file name (letters, digits, . _ -), not ${values.name}`);
  }
  const json = Boolean(values.json);
  const bar = byteProgress(process.stderr, json);
  try {
    const result = await importRelease({
      inputs: positionals,
      outDir: values.out ?? installedPacksDir(),
      name: values.name,
      dtype,
      configs: values.config ? readImportConfigs(values.config) : undefined,
      force: values.force,
      onProgress: (read, planned, what) => bar.update(read, planned, what),
      onPack: (name, dir) => bar.say(`writing ${name} → ${dir}`),
    });
    const rate = result.readBytes / 1e6 / Math.max(result.seconds, 1e-3);
    bar.done(
      `imported ${result.packs.length} pack(s): ${(result.readBytes / 1e9).toFixed(2)} GB read in ${result.seconds.toFixed(1)} s (${rate.toFixed(0)} MB/s)`,
    );
    for (const p of result.packs) {
      const line = `${p.name}: ${p.tasks.join(', ')} · ${size(p.bytes)} · ${size(p.deduplicatedBytes)} of repeated tensors stored once · ${p.dir}`;
      process.stdout.write(json ? `${JSON.stringify({ event: 'pack', ...p, manifest: undefined })}\n` : `${line}\n`);
    }
    if (!json)
      process.stdout.write(`use it with: layerflow run text-to-layers --set pack.pack=${result.packs[0]?.name}\n`);
    return EXIT.ok;
  } catch (err) {
    if (
      !(
        err instanceof CheckpointError ||
        err instanceof TorchFileError ||
        err instanceof WeightFileError ||
        err instanceof PackError
      )
    )
      throw err;
    bar.done('import failed; no pack was written');
    process.stderr.write(`layerflow: ${err.message}\n`);
    return EXIT.failed;
  }
}
