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

/** Lab services (Greeter instances) in a VM: their scripts, jobs, records and logs; /tmp is emptied at boot. */
export const SERVICE_DIR = '/tmp/consul-lab';
/** The remote command's exit status when the VM has no node. */
export const NO_NODE = 3;

/** The remote command that starts a service: its script, pushed on stdin and kept by content hash, run detached. */
export function remoteServiceStart(id: string, scriptName: string, job: string): string {
  const q = (f: string) => shellQuote(`${SERVICE_DIR}/${f}`);
  const script = q(scriptName);
  return [
    `command -v node >/dev/null || exit ${NO_NODE}`,
    `mkdir -p ${shellQuote(SERVICE_DIR)}`,
    `if [ -s ${script} ]; then cat >/dev/null; else cat > ${q(`${scriptName}.tmp`)} && mv ${q(`${scriptName}.tmp`)} ${script}; fi`,
    `printf '%s\\n' ${shellQuote(job)} > ${q(`${id}.job`)}`,
    // setsid: out of the ssh session's process group, so it outlives the session; not a group leader, so no fork and $! is node.
    `{ nohup setsid ${shellJoin(['node', `${SERVICE_DIR}/${scriptName}`, `${SERVICE_DIR}/${id}.job`])} > ${q(`${id}.log`)} 2>&1 < /dev/null & }`,
    'echo $!',
  ].join(' && ');
}

/** A shell test that `pid` is the service `id`: its command line names the job. */
export function isService(id: string, pid: number): string {
  return `tr '\\0' '\\n' < /proc/${Math.trunc(pid)}/cmdline 2>/dev/null | grep -qx ${shellQuote(`${SERVICE_DIR}/${id}.job`)}`;
}

/** Finds the VM's consul agent: "pid stat" lines. */
export const PROBE = 'for p in $(pgrep -x consul); do echo "$p $(ps -o stat= -p $p)"; done; true';
