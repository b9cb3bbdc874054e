/** A node's VM (vagrant provider): its state in Vagrant's words, provider and box, and Vagrant's actions on it. */
import { useState } from 'react';
import type { VmAction } from '../../main/common/steps.js';
import type { MachineInfo } from '../../main/common/types.js';
import { run } from '../bus.js';
import { useBusy } from '../store.js';
import { ActionButton } from './common.js';

export function MachineSection({ machine }: { machine: MachineInfo }) {
  const { name, node, state } = machine;
  const busyKey = `vm:${name}`;
  const busy = useBusy(busyKey);
  // Bring up, Stop and Destroy of the lab act on its machines themselves.
  const upBusy = useBusy('up');
  const downBusy = useBusy('down');
  const destroyBusy = useBusy('destroy');
  const labBusy = upBusy || downBusy || destroyBusy;
  const running = state === 'running';
  const act = (label: string, action: VmAction, enabled: boolean, title: string) => (
    <ActionButton
      label={label}
      busyKey={busyKey}
      small
      disabled={!enabled || labBusy}
      title={title}
      call={(api) => api.vm({ action, machine: name })}
    />
  );

  return (
    <fieldset className="machine" aria-label={`${name} machine`}>
      <dl className="node-facts">
        <div>
          <dt>Machine</dt>
          <dd className={`machine-state machine-${state}`} title={`${name}, as Vagrant says`}>
            {state}
          </dd>
        </div>
        <div>
          <dt>Provider</dt>
          <dd>{machine.provider}</dd>
        </div>
        <div>
          <dt>Box</dt>
          <dd>{machine.box}</dd>
        </div>
      </dl>
      <div className="node-actions" role="toolbar" aria-label={`${name} machine actions`}>
        {act('Up', 'up', !running, `vagrant up ${name}; then Rejoin ${node}`)}
        {act('Halt', 'halt', running, `vagrant halt ${name}: ${node} stops with it`)}
        {act('Reload', 'reload', running, `vagrant reload ${name}: halt and up again; then Rejoin ${node}`)}
        {act('Provision', 'provision', running, `vagrant provision ${name}: run its provisioning again`)}
        <DestroyMachine machine={machine} disabled={!machine.made || busy || labBusy} />
      </div>
    </fieldset>
  );
}

/** Destroy, only after a confirmation naming the VM. */
function DestroyMachine({ machine, disabled }: { machine: MachineInfo; disabled: boolean }) {
  const [confirm, setConfirm] = useState(false);
  const { name, node } = machine;
  if (!confirm) {
    return (
      <button
        type="button"
        className="small danger"
        disabled={disabled}
        title={machine.made ? `vagrant destroy ${name}: the VM and its disk` : `Vagrant has no machine ${name} for this lab yet`}
        onClick={() => setConfirm(true)}
      >
        Destroy
      </button>
    );
  }
  return (
    <fieldset className="confirm" aria-label={`Confirm destroy ${name}`}>
      <span>
        Destroy {name}, {node}&apos;s VM, and its disk?
      </span>
      <button
        type="button"
        className="small danger"
        onClick={() => {
          setConfirm(false);
          void run(`vm:${name}`, (api) => api.vm({ action: 'destroy', machine: name }));
        }}
      >
        Destroy {name}
      </button>
      <button type="button" className="small" onClick={() => setConfirm(false)}>
        Cancel
      </button>
    </fieldset>
  );
}
