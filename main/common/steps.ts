/**
 * The steps of the lab's long operations, defined once: the engine reports progress under these ids and
 * labels, and the window lists them, in this order, before they start.
 */
import type { LabSpec, NodeSpec, VmAction } from './types.js';

export type { VmAction };

export interface StepDef {
  step: string;
  label: string;
}

/** What a machine action does, in the words of its step: "Bring up n1". */
export const VM_ACTIONS: Readonly<Record<VmAction, string>> = {
  up: 'Bring up',
  halt: 'Halt',
  reload: 'Reload',
  provision: 'Provision',
  destroy: 'Destroy',
};

/** Whether the node's agent runs on the host (a local process) rather than in a machine of its own. */
export function runsOnHost(node: NodeSpec): boolean {
  return node.machine.startsWith('host');
}

/** The lab's machines (VMs) in order; none for agents that run as local processes. */
export function machinesOf(spec: LabSpec): string[] {
  return spec.provider === 'vagrant' ? spec.nodes.filter((n) => !runsOnHost(n)).map((n) => n.machine) : [];
}

export function vmStep(action: VmAction, machine: string): StepDef {
  return { step: `vm-${action}-${machine}`, label: `${VM_ACTIONS[action]} ${machine}` };
}

function names(spec: LabSpec, role: 'server' | 'client'): string {
  return spec.nodes
    .filter((n) => n.role === role)
    .map((n) => n.name)
    .join(', ');
}

export function upSteps(spec: LabSpec): StepDef[] {
  const hasClients = spec.nodes.some((n) => n.role === 'client');
  const first = spec.nodes.find((n) => n.role === 'server')?.name ?? '';
  return [
    { step: 'preflight', label: 'Check consul and addresses' },
    ...machinesOf(spec).map((m) => vmStep('up', m)),
    { step: 'start-servers', label: `Start servers (${names(spec, 'server')})` },
    { step: 'join-servers', label: `Join servers (consul join from ${first})` },
    { step: 'elect-leader', label: 'Elect a leader' },
    ...(hasClients
      ? [
          { step: 'start-clients', label: `Start clients (${names(spec, 'client')})` },
          { step: 'join-clients', label: 'Join clients' },
        ]
      : []),
    { step: 'all-alive', label: 'All members alive' },
  ];
}

export function downSteps(spec: LabSpec): StepDef[] {
  return [
    { step: 'greeters', label: 'Stop Greeter instances' },
    { step: 'stop-clients', label: 'Stop clients' },
    { step: 'stop-servers', label: 'Stop servers' },
    { step: 'strays', label: 'Stop leftover processes' },
    ...machinesOf(spec).map((m) => vmStep('halt', m)),
    { step: 'verify', label: 'Verify nothing of the lab runs' },
  ];
}

export function destroySteps(spec: LabSpec): StepDef[] {
  return [...machinesOf(spec).map((m) => vmStep('destroy', m)), { step: 'remove', label: "Delete the lab's files" }];
}

export function rejoinSteps(node: string): StepDef[] {
  return [
    { step: 'start', label: `Start ${node} with -rejoin -ui` },
    { step: 'alive', label: `${node} alive` },
  ];
}

/** The steps an operation will report, for the window to list ahead; null for operations without steps. */
export function stepsOf(op: string, spec: LabSpec, args: { node?: string; machine?: string; action?: VmAction } = {}): StepDef[] | null {
  switch (op) {
    case 'up':
      return upSteps(spec);
    case 'down':
      return downSteps(spec);
    case 'destroy':
      return destroySteps(spec);
    case 'rejoin':
      return args.node ? rejoinSteps(args.node) : null;
    case 'vm':
      return args.action ? (args.machine ? [args.machine] : machinesOf(spec)).map((m) => vmStep(args.action!, m)) : null;
    default:
      return null;
  }
}
