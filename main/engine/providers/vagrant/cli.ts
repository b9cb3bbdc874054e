/** Running vagrant: argv arrays only (never a shell), `--machine-readable` output parsed, its errors in plain words. */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as pty from 'node-pty';
import type { VagrantOptions } from './options.js';
import { LXC_BOX, lxcBoxFile } from './options.js';

export const VAGRANT_ENV = { VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_NO_COLOR: '1' };

export class VagrantError extends Error {
  constructor(
    message: string,
    readonly klass: string | null = null,
  ) {
    super(message);
  }
}

/** The vagrant executable on PATH, or a plain error saying it is not installed. */
export function findVagrant(env: NodeJS.ProcessEnv = process.env): string {
  const names = process.platform === 'win32' ? ['vagrant.exe', 'vagrant.bat'] : ['vagrant'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const file = join(dir, n);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        /* not here */
      }
    }
  }
  throw new VagrantError(
    'vagrant is not installed (no vagrant on PATH): install Vagrant ' +
      '(https://developer.hashicorp.com/vagrant/install; on Debian: apt install vagrant), or use --provider local',
  );
}

export interface MachineLine {
  ts: number;
  target: string;
  type: string;
  data: string[];
}

function unescapeField(s: string): string {
  return s
    .replace(/%!\(VAGRANT_COMMA\)/g, ',')
    .replace(/\\n/g, '\n')
    .replace(/\\r/g, '\r');
}

/** The lines of `--machine-readable` output (timestamp,target,type,data…); anything else is skipped. */
export function parseMachineReadable(text: string): MachineLine[] {
  const out: MachineLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^.*\r(?=\d)/, '');
    const m = /^(\d{9,}),([^,]*),([^,]+)(?:,(.*))?$/.exec(line);
    if (!m) continue;
    out.push({ ts: Number(m[1]), target: m[2]!, type: m[3]!, data: m[4] === undefined ? [] : m[4].split(',').map(unescapeField) });
  }
  return out;
}

/** `vagrant status --machine-readable`: each machine's state in Vagrant's words (running, stopped, not_created…). */
export function machineStates(lines: MachineLine[]): Record<string, string> {
  const states: Record<string, string> = {};
  for (const l of lines) if (l.type === 'state' && l.target) states[l.target] = l.data[0] ?? 'unknown';
  return states;
}

/** The error-exit of a vagrant run, in plain words where the cause is a known one. */
export function explainFailure(lines: MachineLine[], output: string, ctx: { what: string; options: VagrantOptions }): VagrantError {
  const exit = [...lines].reverse().find((l) => l.type === 'error-exit');
  const klass = exit?.data[0] ?? null;
  const detail = (exit?.data.slice(1).join(',') ?? lastLines(output)).trim();
  const inner = `${klass ?? ''}\n${detail}\n${output}`;
  const { backend, box } = ctx.options;
  if (/NoDefaultProvider/.test(inner) || /No usable default provider/.test(inner)) {
    return new VagrantError(
      'no usable Vagrant provider on this machine: Vagrant found no virtualization it can use (VirtualBox, libvirt, LXC). ' +
        'Install VirtualBox, or a provider plugin (vagrant-libvirt, vagrant-lxc; on Debian: apt install vagrant-lxc) ' +
        'and choose it with CONSUL_LAB_VAGRANT_PROVIDER=libvirt or lxc.',
      klass,
    );
  }
  if (/ProviderNotFound/.test(inner) || /provider '[^']+' could not be found/.test(inner)) {
    const plugin =
      backend === 'virtualbox' || backend === 'auto'
        ? 'VirtualBox'
        : `the vagrant-${backend} plugin (on Debian: apt install vagrant-${backend})`;
    return new VagrantError(
      `Vagrant has no "${backend}" provider on this machine: install ${plugin}, ` +
        'or choose another provider with CONSUL_LAB_VAGRANT_PROVIDER (virtualbox, libvirt, lxc).',
      klass,
    );
  }
  if (/ProviderNotUsable|VirtualBoxNotDetected|VBoxManageNotFound|VirtualBoxInvalidVersion/.test(inner)) {
    const reason = /reason is shown below:\s*([\s\S]*)/.exec(detail)?.[1] ?? detail;
    const name = /provider '([^']+)'/.exec(detail)?.[1] ?? backend;
    return new VagrantError(`the ${name} provider is not usable on this machine: ${firstLine(reason)}`, klass);
  }
  if (
    /BoxAddShortNotFound|BoxNotFound|BoxMetadataDownloadError|DownloaderError|BoxUrlNotFound|Could not resolve host|Failed to connect/.test(
      inner,
    )
  ) {
    const fix =
      box === LXC_BOX
        ? `build it with scripts/vagrant/build-box.sh (as root; cached at ${lxcBoxFile()})`
        : `connect to the internet once, or add it from a file (vagrant box add --name ${box} FILE)`;
    const why = /^Error: (.*)$/m.exec(detail)?.[1];
    return new VagrantError(
      `the box ${box} is not on this machine and could not be downloaded${why ? ` (${why.trim()})` : ' (offline?)'}: ${fix}`,
      klass,
    );
  }
  if (/address already in use|NetworkCollision|ForwardPortCollision|already in use/i.test(inner)) {
    return new VagrantError(`an address the VMs need is already in use: ${firstLine(detail)}`, klass);
  }
  return new VagrantError(
    `${ctx.what} failed${klass ? ` (${klass})` : ''}: ${detail
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, 8)
      .join('\n')}`,
    klass,
  );
}

function firstLine(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(' ');
}

function lastLines(s: string): string {
  return s
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .slice(-8)
    .join('\n');
}

export interface RunResult {
  code: number;
  lines: MachineLine[];
  output: string;
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  /** What the command does, for messages: "vagrant up". */
  what: string;
  onLine?: (l: MachineLine) => void;
  env?: Record<string, string>;
}

/** Runs vagrant in a pty (as a user would in a terminal), collecting and parsing `--machine-readable` output. */
export function runVagrant(vagrant: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = pty.spawn(vagrant, args, {
      name: 'xterm-256color',
      cols: 400,
      rows: 50,
      cwd: opts.cwd,
      env: { ...process.env, ...VAGRANT_ENV, ...opts.env } as Record<string, string>,
    });
    let output = '';
    let pending = '';
    let last: MachineLine | null = null;
    child.onData((d) => {
      output += d;
      if (output.length > 4_000_000) output = output.slice(-2_000_000);
      pending += d;
      const parts = pending.split(/\r?\n/);
      pending = parts.pop() ?? '';
      for (const l of parseMachineReadable(parts.join('\n'))) {
        last = l;
        opts.onLine?.(l);
      }
    });
    let timedOut: VagrantError | null = null;
    const timer = setTimeout(() => {
      const who = (last as MachineLine | null)?.target;
      timedOut = new VagrantError(
        `${who ? `${who} did not come up` : `${opts.what} did not finish`} within ${Math.round(opts.timeoutMs / 1000)} s ` +
          `(set CONSUL_LAB_VAGRANT_UP_TIMEOUT to wait longer); last output: ${lastLines(output).slice(-600)}`,
      );
      // Vagrant cleans up on SIGINT/SIGTERM; SIGKILL if it does not end.
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 30_000).unref();
    }, opts.timeoutMs);
    child.onExit(({ exitCode }) => {
      clearTimeout(timer);
      for (const l of parseMachineReadable(pending)) opts.onLine?.(l);
      if (timedOut) reject(timedOut);
      else resolve({ code: exitCode, lines: parseMachineReadable(output), output });
    });
  });
}

/** Short, non-interactive vagrant queries (status, ssh-config): child_process with argv. */
export function vagrantQuery(
  vagrant: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const options = { cwd, timeout: timeoutMs, env: { ...process.env, ...VAGRANT_ENV, ...env }, maxBuffer: 8 * 1024 * 1024 };
    execFile(vagrant, args, options, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, lines: parseMachineReadable(stdout), output });
    });
  });
}
