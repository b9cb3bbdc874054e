/** Test helpers: temporary labs on their own loopback subnets, the CLI as a user runs it, and cleanup. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, type LabOptions } from '../main/engine/lab.js';
import { cmdline, procState } from '../main/engine/process/procs.js';
import { waitFor } from '../main/engine/wait.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'bin', 'consul-lab.js');

export function tempDir(prefix = 'consul-lab-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A lab in a fresh directory; `after` tears it down (down, then delete) even when the test failed. */
export function tempLab(opts: Omit<LabOptions, 'dir'> & { subnet: string }): Lab {
  return new Lab({ dir: join(tempDir(), 'lab'), ...opts });
}

export async function cleanup(lab: Lab): Promise<void> {
  try {
    if (lab.dir.isLab()) await lab.down();
  } finally {
    rmSync(join(lab.dir.root, '..'), { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it; `nodeArgs` go to Node first (an observer loaded with --import). */
export function cli(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function cliSync(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Polls a probe until it gives a value, as the engine waits (every 250 ms unless told). */
export function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
  everyMs = 250,
): Promise<T> {
  return waitFor(what, timeoutMs, probe, everyMs);
}

/**
 * Every live process with an argument that mentions one of `needles`: what a test looks for to prove that
 * nothing of a lab is left, more widely than the lab itself looks (its id in the environment).
 */
export function processesMentioning(needles: string[]): { pid: number; argv: string[] }[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => pid !== process.pid)
    .map((pid) => ({ pid, argv: cmdline(pid) }))
    .filter(({ pid, argv }) => argv.some((a) => needles.some((n) => a.includes(n))) && procState(pid) !== 'gone');
}
