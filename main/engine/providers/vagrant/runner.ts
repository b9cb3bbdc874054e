/**
 * Every vagrant command of one lab, one at a time. Vagrant locks a machine while it works on it, and a second
 * command on a locked machine fails at once ("Vagrant can't use the requested machine because it is locked"):
 * so the lab never runs two, and waits (bounded) for a vagrant process of someone else's. Each command's output
 * goes to the log of the machine it acts on, as it comes: the VM panel's "machine" terminal follows that log.
 */
import { mkdirSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CappedLog } from '../../process/capped-log.js';
import { cmdline, sleep } from '../../process/procs.js';
import { type MachineLine, type RunResult, VagrantError, runVagrant, vagrantQuery } from './cli.js';

export const MACHINE_LOG_CAP_BYTES = 1024 * 1024;
/** How long a command waits for a machine locked by another vagrant process before it says so. */
export const LOCK_WAIT_MS = 90_000;

const LOCKED = /MachineLocked|EnvironmentLockedError|because it is locked|another process is already executing an action on the machine/;

export interface RunSpec {
  args: string[];
  /** The machines the command acts on: each one's log gets its output; none for commands about the lab (status). */
  machines: string[];
  what: string;
  timeoutMs: number;
  onLine?: (l: MachineLine) => void;
}

/** The human text of Vagrant's machine-readable output: what `vagrant up` prints in a terminal. */
export function humanText(l: MachineLine): string | null {
  if (l.type !== 'ui' || !l.data[1]) return null;
  return l.data.slice(1).join(',');
}

/** Vagrant processes working in the lab's folder (their working directory), with their command lines. */
function vagrantProcessesIn(root: string): { pid: number; argv: string[]; env: string[] }[] {
  if (process.platform !== 'linux') return [];
  const found: { pid: number; argv: string[]; env: string[] }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (![root, join(root, 'vm')].includes(readlinkSync(`/proc/${d}/cwd`))) continue;
      const argv = cmdline(Number(d));
      if (!argv.some((a) => /(^|\/)vagrant$/.test(a))) continue;
      found.push({ pid: Number(d), argv, env: readFileSync(`/proc/${d}/environ`, 'utf8').split('\0') });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

export class VagrantRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private running: string | null = null;

  constructor(
    private readonly root: string,
    private readonly vagrant: () => string,
    private readonly machineLog: (machine: string) => string,
    /** The environment that marks a process as this lab's. */
    private readonly labEnv: () => Record<string, string>,
  ) {}

  /**
   * Vagrant runs from the lab's vm/ folder (VAGRANT_CWD names the project): the tools under it drop temporary
   * files in their working directory, and those belong in the lab's own vm/ folder, not beside the user's files.
   */
  private workDir(): string {
    const dir = join(this.root, 'vm');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** What vagrant is doing for the lab right now ("vagrant up n1"), or null. */
  get busy(): string | null {
    return this.running;
  }

  /** A lifecycle command (up, halt, reload, provision, destroy) in a pty, its output in the machine's log. */
  run(spec: RunSpec): Promise<RunResult> {
    return this.enqueue(spec.what, async () => {
      const logs = new Map(spec.machines.map((m) => [m, new CappedLog(this.machineLog(m), MACHINE_LOG_CAP_BYTES)]));
      const write = (target: string, text: string) => {
        for (const [m, log] of logs) if (!target || target === m) log.write(text);
      };
      write('', `\r\n$ vagrant ${spec.args.filter((a) => a !== '--machine-readable').join(' ')}\r\n`);
      try {
        return await this.retryLocked(spec.machines.join(', ') || null, spec.what, () =>
          runVagrant(this.vagrant(), spec.args, {
            cwd: this.workDir(),
            timeoutMs: spec.timeoutMs,
            what: spec.what,
            env: { ...this.labEnv(), VAGRANT_CWD: this.root },
            onLine: (l) => {
              const text = humanText(l);
              if (text !== null) write(l.target, `${text.replace(/\r?\n/g, '\r\n')}\r\n`);
              spec.onLine?.(l);
            },
          }),
        );
      } finally {
        for (const log of logs.values()) log.close();
      }
    });
  }

  /** A short query (status, ssh-config, box list), in the same line as every other command. */
  query(args: string[], what: string): Promise<RunResult> {
    return this.enqueue(what, () =>
      this.retryLocked(null, what, () => vagrantQuery(this.vagrant(), args, this.workDir(), { ...this.labEnv(), VAGRANT_CWD: this.root })),
    );
  }

  private enqueue<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      this.running = what;
      try {
        return await fn();
      } finally {
        this.running = null;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Runs again while another vagrant process holds the machine, for a bounded time; then says who holds it. */
  private async retryLocked(machine: string | null, what: string, attempt: () => Promise<RunResult>): Promise<RunResult> {
    const end = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      const r = await attempt();
      if (r.code === 0 || !LOCKED.test(r.output)) return r;
      if (Date.now() > end) throw new VagrantError(`${what} could not start: ${this.lockHolders(machine)}`, 'MachineLocked');
      await sleep(1000);
    }
  }

  /** Plain words on who holds the lock, for the error that ends a wait. */
  private lockHolders(machine: string | null): string {
    const mark = Object.entries(this.labEnv()).map(([k, v]) => `${k}=${v}`)[0];
    const others = vagrantProcessesIn(this.root);
    const subject = machine ?? 'the lab';
    if (!others.length) return `${subject} stayed locked for ${LOCK_WAIT_MS / 1000} s by a vagrant process that has ended since: try again`;
    return others
      .map((p) => {
        const cmd = p.argv.slice(p.argv.findIndex((a) => /(^|\/)vagrant$/.test(a))).join(' ');
        return p.env.includes(mark ?? '')
          ? `${subject} is locked by this lab's own "${cmd}" (pid ${p.pid}), still running: wait for it to finish`
          : `${subject} is locked by another vagrant process that Consul Lab did not start: "${cmd}" (pid ${p.pid}); ` +
              'wait for it or stop it';
      })
      .join('; ');
  }
}

const runners = new Map<string, VagrantRunner>();

/** One runner per lab folder in this process, whichever Lab object (settings may replace it) asks. */
export function runnerFor(root: string, make: () => VagrantRunner): VagrantRunner {
  const r = runners.get(root) ?? make();
  runners.set(root, r);
  return r;
}
