/** The shell commands the lab runs inside a VM (over ssh): the agent with the tutorial's flags, Greeter services, probes. */
import { join } from 'node:path';
import type { LabSpec, NodeSpec } from '../../../common/types.js';
import { agentArgs, agentConfig } from '../agent-config.js';
import type { StartOptions } from '../provider.js';
import { shellJoin, shellQuote } from './quote.js';

/** Where the agents in the VMs keep their data and config: the tutorial's paths. */
export const VM_PATHS = { dataDir: '/tmp/consul', configDir: '/etc/consul.d' };
export const CONSUL_IN_LAB = join('vm', 'consul-linux-amd64');

/** The remote command that starts a VM's agent: write the lab's config, then exec consul with the tutorial's flags. */
export function remoteAgentCommand(spec: LabSpec, node: NodeSpec, opts: StartOptions): string {
  const args = agentArgs(spec, node, VM_PATHS, opts).map((a) =>
    // The host reaches the agent on its private address; `consul members` inside the VM works as in the tutorial.
    a === `-client=${node.address}` ? `-client=127.0.0.1 ${node.address}` : a,
  );
  const config = JSON.stringify(agentConfig(spec, node));
  return `printf '%s\\n' ${shellQuote(config)} > ${VM_PATHS.configDir}/consul-lab.json && exec ${shellJoin(['consul', ...args])}`;
}

/** Lab services (Greeter instances) in a VM: their programs and logs; /tmp is emptied at boot. */
export const SERVICE_DIR = '/tmp/consul-lab';
/** The remote start's exit status when the program is not in the VM yet: it is copied in, then started again. */
export const NO_PROGRAM = 3;

/** A process's start time, field 22 of /proc/PID/stat (counted after the command name, which may hold spaces). */
const startTimeOf = (pid: string) => `sed 's/.*) //' /proc/${pid}/stat 2>/dev/null | cut -d' ' -f20`;

/** The remote command that copies a program (pushed on stdin) in as `name`, whole or not at all. */
export function remoteProgramCopy(name: string): string {
  const q = (f: string) => shellQuote(`${SERVICE_DIR}/${f}`);
  const tmp = q(`.${name}.tmp`);
  return `mkdir -p ${shellQuote(SERVICE_DIR)} && cat > ${tmp} && chmod 755 ${tmp} && mv ${tmp} ${q(name)}`;
}

/** The remote command that starts the program copied in as `name`, detached, as the service `id`: prints "pid starttime". */
export function remoteServiceStart(id: string, name: string, args: string[], env: Record<string, string>): string {
  const program = `${SERVICE_DIR}/${name}`;
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return [
    `[ -x ${shellQuote(program)} ] || exit ${NO_PROGRAM}`,
    // setsid: out of the ssh session's process group, so it outlives the session; not a group leader, so no fork,
    // and env execs the program: $! is the service.
    `{ nohup setsid ${shellJoin(['env', ...vars, program, ...args])} > ${shellQuote(`${SERVICE_DIR}/${id}.log`)} 2>&1 < /dev/null & }`,
    'pid=$!',
    `echo "$pid $(${startTimeOf('$pid')})"`,
  ].join(' && ');
}

/** A shell test that `pid` is still the process started at `startTime` (not a later one given the same pid). */
export function isService(pid: number, startTime: string): string {
  return `[ "$(${startTimeOf(String(Math.trunc(pid)))})" = ${shellQuote(startTime)} ]`;
}

/** Finds the VM's consul agent: "pid stat" lines. */
export const PROBE = 'for p in $(pgrep -x consul); do echo "$p $(ps -o stat= -p $p)"; done; true';
