/** The agent's command line (the tutorial's flags) and the lab's config file in its -config-dir. */
import type { LabSpec, NodeSpec } from '../../common/types.js';
import type { StartOptions } from './provider.js';

export interface AgentPaths {
  dataDir: string;
  configDir: string;
}

export function agentArgs(spec: LabSpec, node: NodeSpec, paths: AgentPaths, opts: StartOptions): string[] {
  const args = ['agent'];
  if (node.role === 'server') args.push('-server', `-bootstrap-expect=${spec.bootstrapExpect}`);
  args.push(
    `-data-dir=${paths.dataDir}`,
    `-node=${node.name}`,
    `-bind=${node.address}`,
    `-client=${node.address}`,
    `-config-dir=${paths.configDir}`,
  );
  if (opts.rejoin) args.push('-rejoin');
  if (opts.ui) args.push('-ui');
  return args;
}

/** The lab's own settings, written as JSON into the agent's -config-dir. */
export function agentConfig(spec: LabSpec, node: NodeSpec): Record<string, unknown> {
  return {
    datacenter: spec.datacenter,
    disable_update_check: true,
    log_level: 'INFO',
    ...(spec.fastElection ? { performance: { raft_multiplier: 1 } } : {}),
    ports: {
      http: node.ports.http,
      dns: node.ports.dns,
      serf_lan: node.ports.serfLan,
      serf_wan: node.ports.serfWan,
      server: node.ports.server,
      // Not used by the lab; disabled so that no port is bound that the preflight does not check.
      https: -1,
      grpc: -1,
      grpc_tls: -1,
    },
  };
}
