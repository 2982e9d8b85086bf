import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import which from 'which';

/**
 * Which ffmpeg / ffprobe to run. LAYERFLOW_FFMPEG / LAYERFLOW_FFPROBE (a path, or a name to look up on
 * PATH; never a fallback past it) win. Otherwise it depends on the use:
 * - encode (ffmpeg fed our own frames by a save node): the static build `npm install` brings as an
 *   optional dependency (@ffmpeg-installer/ffmpeg) first, then the system's on PATH. It starts in
 *   ≈ 20 ms against ≈ 0.2–0.45 s of CPU for Debian's (215 shared libraries), which on two cores doubled
 *   a tiny-pack run's wall time; its encoders give the same quality (README, Encoder settings).
 * - encode-vp9 (ffmpeg writing VP9 with alpha): the system's first, then the bundled. Its newer libvpx
 *   takes ⅓ less CPU: 0.78 against 1.17 s for 49 frames at 480×720, more than the bundled saves in
 *   starting (measured: README, Encoder settings); on the tiny pack the two tie on wall time.
 * - read (ffmpeg or ffprobe parsing a file someone gave us): the system's first, then the bundled
 *   (@ffprobe-installer/ffprobe): the bundled builds are from 2018, and demuxers and decoders are where
 *   FFmpeg's security fixes land, which a system package receives and they never will.
 */

export type Tool = 'ffmpeg' | 'ffprobe';
/** encode, encode-vp9: ffmpeg writing frames we made; read: ffmpeg or ffprobe parsing a file (see above). */
export type Use = 'encode' | 'encode-vp9' | 'read';

export const ENV_VAR = { ffmpeg: 'LAYERFLOW_FFMPEG', ffprobe: 'LAYERFLOW_FFPROBE' } as const;
const BUNDLE = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' } as const;

export interface Binary {
  tool: Tool;
  path: string;
  /** env: named by LAYERFLOW_FFMPEG / LAYERFLOW_FFPROBE; system: found on PATH; bundled: from npm. */
  source: 'env' | 'system' | 'bundled';
  use: Use;
}

/** No usable binary, and what was tried, for the error message. */
export interface NoBinary {
  tool: Tool;
  problem: string;
}

/** Where to look; tests pass their own. */
export interface Lookup {
  env: Record<string, string | undefined>;
  /** The bundled binary's path, or why there is none. */
  bundled(tool: Tool): { path: string } | { problem: string };
}

/** What to do about a missing ffmpeg or ffprobe. */
export const INSTALL_HINT =
  'run `npm install` (it brings a static ffmpeg and ffprobe as optional dependencies), or install FFmpeg ' +
  '(Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg), ' +
  'or point LAYERFLOW_FFMPEG / LAYERFLOW_FFPROBE at the executables';

/** The binary for `tool` used for `use`, in the order above, or what was tried. */
export function findBinary(tool: Tool, use: Use, lookup: Lookup = processLookup): Binary | NoBinary {
  const named = lookup.env[ENV_VAR[tool]];
  if (named) {
    const path = onPath(named, lookup.env.PATH);
    if (path) return { tool, path, source: 'env', use };
    return { tool, problem: `${ENV_VAR[tool]}=${named} is not an executable file (nor a command on PATH)` };
  }
  const fromSystem = () => onPath(tool, lookup.env.PATH);
  const systemFirst = use !== 'encode';
  if (systemFirst) {
    const system = fromSystem();
    if (system) return { tool, path: system, source: 'system', use };
  }
  const bundled = lookup.bundled(tool);
  if ('path' in bundled) return { tool, path: bundled.path, source: 'bundled', use };
  const system = systemFirst ? undefined : fromSystem();
  if (system) return { tool, path: system, source: 'system', use };
  return { tool, problem: `no ${tool} on PATH and no bundled one (${bundled.problem})` };
}

/** An executable: `command` itself when it has a slash, else the first on `path`. */
function onPath(command: string, path: string | undefined): string | undefined {
  if (!path && !/[\\/]/.test(command)) return undefined; // which would look in the current folder
  const hit = which.sync(command, { nothrow: true, path });
  return hit ? resolve(hit) : undefined;
}

const found = new Map<string, Binary | NoBinary>();

/**
 * findBinary for this process, remembered per setting of the variables it reads (tests and the
 * test:fresh script change PATH and LAYERFLOW_* between calls).
 */
export function binaryFor(tool: Tool, use: Use): Binary | NoBinary {
  const key = [tool, use, process.env[ENV_VAR[tool]] ?? '', process.env.PATH ?? ''].join('\0');
  let binary = found.get(key);
  if (!binary) {
    binary = findBinary(tool, use);
    found.set(key, binary);
  }
  return binary;
}

/**
 * Why one of `tools` cannot run here (the first missing), or undefined when each is found and
 * executable. Cheap (no process is started), so validation can ask before any work. Both uses look in
 * the same places, so either answers.
 */
export function missingTools(tools: readonly Tool[]): string | undefined {
  for (const tool of tools) {
    const binary = binaryFor(tool, 'read');
    if (!('path' in binary)) return binary.problem;
  }
  return undefined;
}

export const processLookup: Lookup = {
  env: process.env,
  bundled: (tool) => bundledBinary(tool),
};

const bundledCache = new Map<Tool, { path: string } | { problem: string }>();

/** The static build from npm, made executable when the install skipped its chmod script (see .npmrc). */
function bundledBinary(tool: Tool): { path: string } | { problem: string } {
  let result = bundledCache.get(tool);
  if (!result) {
    result = locateBundled(tool);
    bundledCache.set(tool, result);
  }
  return result;
}

function locateBundled(tool: Tool): { path: string } | { problem: string } {
  let path: string;
  try {
    // These packages throw (a string or an Error) when this platform's binary package is not installed.
    path = (createRequire(import.meta.url)(BUNDLE[tool]) as { path: string }).path;
  } catch (err) {
    return { problem: `${BUNDLE[tool]}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  const problem = makeExecutable(path);
  return problem ? { problem } : { path };
}

/**
 * chmod u+x when the file is not executable, as the platform packages' own postinstall would have (the
 * ffprobe tarball stores mode 644); returns why not when that fails.
 */
export function makeExecutable(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    try {
      chmodSync(path, statSync(path).mode | 0o100);
      return undefined;
    } catch (err) {
      return `${path} is not executable and cannot be made so (${(err as Error).message}): chmod u+x it`;
    }
  }
}
