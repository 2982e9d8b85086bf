#!/usr/bin/env node
// Runs cli/main.ts through tsx from this package's own node_modules, so `npx layerflow` needs no build step.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { engineEnv } from './engine-env.js';

const tsx = import.meta.resolve('tsx');
const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', tsx, main, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: engineEnv(),
});

// Ctrl-C reaches the child from the terminal itself (same process group); forwarding it would count twice.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
});
