/**
 * Lab services inside a VM, over plain ssh: a static program is copied in once per content (so the box needs
 * nothing installed for it), started detached with the lab's id in its environment, and known afterwards by its
 * pid and start time in the VM.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ServiceHost } from '../provider.js';
import { VagrantError } from './cli.js';
import { shellQuote } from './quote.js';
import { NO_PROGRAM, SERVICE_DIR, isService, remoteProgramCopy, remoteServiceStart } from './remote.js';
import type { Vms } from './vms.js';

export function vmServiceHost(vms: Vms, machine: string): ServiceHost {
  const fail = (what: string, r: { stderr: string; stdout: string }) =>
    new VagrantError(`${what} in ${machine}: ${(r.stderr || r.stdout).trim() || 'ssh failed'}`);
  return {
    machine,
    arch: async () => {
      const r = await vms.inVm(machine, 'uname -m');
      if (!r.ok) throw fail('cannot tell the machine type', r);
      return r.stdout.trim();
    },
    start: async (id, file, args, env) => {
      const bytes = readFileSync(file);
      const name = `${basename(file)}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
      let r = await vms.inVm(machine, remoteServiceStart(id, name, args, env), 30_000);
      if (r.code === NO_PROGRAM) {
        const copy = await vms.inVm(machine, remoteProgramCopy(name), 120_000, bytes);
        if (!copy.ok) throw fail(`could not copy ${basename(file)}`, copy);
        r = await vms.inVm(machine, remoteServiceStart(id, name, args, env), 30_000);
      }
      const [pid, startTime] = r.stdout.trim().split(/\s+/);
      if (!r.ok || !/^\d+$/.test(pid ?? '')) throw fail(`could not start ${id}`, r);
      // No start time: the process had already ended when it was asked for.
      if (!startTime) throw new VagrantError(`${id} exited at once in ${machine}`);
      return { pid: Number(pid), startTime };
    },
    alive: async (pid, startTime) => {
      const r = await vms.inVm(machine, `if ${isService(pid, startTime)}; then echo alive; fi`);
      return r.stdout.trim() === 'alive';
    },
    signal: async (id, pid, startTime, sig, graceMs) => {
      const is = isService(pid, startTime);
      const tries = Math.ceil(graceMs / 100);
      const term = `kill -CONT ${pid}; kill -TERM ${pid}; i=0; while ${is} && [ $i -lt ${tries} ]; do i=$((i+1)); sleep 0.1; done; `;
      const kill = `${is} && kill -KILL ${pid}; i=0; while ${is} && [ $i -lt 50 ]; do i=$((i+1)); sleep 0.1; done; `;
      const r = await vms.inVm(machine, `${is} || exit 0; ${sig === 'SIGTERM' ? term : ''}${kill}! ${is}`, graceMs + 15_000);
      if (!r.ok) throw fail(`${id} (pid ${pid}) did not end after ${sig}`, r);
    },
    logTail: async (id) => (await vms.inVm(machine, `tail -c 1500 ${shellQuote(`${SERVICE_DIR}/${id}.log`)}`)).stdout,
  };
}
