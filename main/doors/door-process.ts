/**
 * A front door started by another as a process of its own: the CLI's `ui` runs the web door's entry
 * (main/web/serve.ts) this way. Doors never import each other (scripts/check-layers.js): importing the web door
 * would load it into the CLI and tie the two together; as a child it keeps its own code, signals and exit code, and
 * the CLI knows no more of it than its path and the options below.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../common/names.js';
import type { LabOptions } from '../engine/lab.js';

/** What the CLI's `ui` hands the web door. */
export interface ServeOptions {
  lab: LabOptions;
  port: number;
  open: boolean;
}

/**
 * Runs the door entry `base` (a URL without extension) with `options` until it exits, and resolves with its exit code.
 * SIGINT and SIGTERM are passed on to it; an IPC channel tells it when this process is gone.
 */
export function runDoor(base: URL, options: ServeOptions): Promise<number> {
  const path = fileURLToPath(base);
  // From the sources, tsx by its own URL: the CLI runs in the user's folder, where `--import tsx` is not found.
  const entry = existsSync(`${path}.js`) ? [`${path}.js`] : ['--import', import.meta.resolve('tsx'), `${path}.ts`];
  const child = spawn(process.execPath, [...entry, JSON.stringify(options)], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  const pass = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', pass).on('SIGTERM', pass);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      process.off('SIGINT', pass).off('SIGTERM', pass);
      resolve(code ?? 1);
    });
  });
}

/** A door's entry: runs `main` with the options its parent passed, and exits as the CLI does (2 for bad input). */
export function doorMain(main: (options: ServeOptions) => Promise<number>): void {
  Promise.resolve()
    .then(() => main(JSON.parse(process.argv[2] ?? '') as ServeOptions))
    .then(
      (code) => process.exit(code),
      (err: Error) => {
        process.stderr.write(`consul-lab: ${err.message}\n`);
        process.exit(err instanceof InputError ? 2 : 1);
      },
    );
}

/** Resolves on SIGINT or SIGTERM, kept caught (Ctrl-C reaches both processes, and the parent passes it on), or when the parent is gone. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.on('SIGINT', () => resolve()).on('SIGTERM', () => resolve());
    process.once('disconnect', () => resolve());
  });
}
