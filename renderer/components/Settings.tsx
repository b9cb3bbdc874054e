/** Lab settings: topology, provider and the Vagrant choices, applied only before the lab's first up. */
import { useState } from 'react';
import { MUST_DESTROY } from '../../main/common/contract.js';
import { CLIENTS, SERVERS, clientsMax } from '../../main/common/topology.js';
import { VAGRANT_BACKENDS, type ProviderName, type VagrantBackend } from '../../main/common/types.js';
import { run } from '../bus.js';
import { useBusy, useLab } from '../store.js';
import { Dialog, DialogActions } from './Dialog.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function serverLabel(n: number): string {
  const tolerates = Math.floor((n - 1) / 2);
  const hint = n === 3 || n === 5 ? ` — suggested, tolerates ${tolerates} failure${tolerates === 1 ? '' : 's'}` : '';
  return `${n}${hint}`;
}

export function LabSettings({ onClose }: { onClose(): void }) {
  const snap = useLab((s) => s.snapshot);
  const busy = useBusy('configure');
  const spec = snap?.lab;
  const [servers, setServers] = useState(spec?.nodes.filter((n) => n.role === 'server').length ?? 2);
  const [clients, setClients] = useState(spec ? spec.nodes.filter((n) => n.role === 'client').length : 1);
  const [provider, setProvider] = useState<ProviderName>(spec?.provider ?? 'local');
  const [backend, setBackend] = useState<VagrantBackend>('auto');
  const [box, setBox] = useState('');
  const fixed = !!snap?.created;

  const apply = async () => {
    const vagrant = provider === 'vagrant' ? { provider: backend, ...(box.trim() ? { box: box.trim() } : {}) } : undefined;
    const r = await run('configure', (api) => api.configure({ servers, clients, provider, ...(vagrant ? { vagrant } : {}) }));
    if (r.ok) onClose();
  };

  return (
    <Dialog label="Lab settings" onClose={onClose}>
      {fixed && (
        <p className="warning warn" role="note">
          {MUST_DESTROY[0]!.toUpperCase() + MUST_DESTROY.slice(1)}.
        </p>
      )}
      <fieldset className="settings-form" disabled={fixed || busy}>
        <label>
          <span>Servers</span>
          <select aria-label="Servers" value={servers} onChange={(e) => setServers(Number(e.target.value))}>
            {range(SERVERS.min, SERVERS.max).map((n) => (
              <option key={n} value={n}>
                {serverLabel(n)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Clients</span>
          <select aria-label="Clients" value={clients} onChange={(e) => setClients(Number(e.target.value))}>
            {range(CLIENTS.min, clientsMax(provider)).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Provider</span>
          <select
            aria-label="Provider"
            value={provider}
            onChange={(e) => {
              const next = e.target.value as ProviderName;
              setProvider(next);
              setClients((c) => Math.min(c, clientsMax(next)));
            }}
          >
            <option value="local">local — agents as processes on this machine</option>
            <option value="vagrant">vagrant — servers in VMs, as in the tutorial</option>
          </select>
        </label>
        {provider === 'vagrant' && (
          <>
            <label>
              <span>Vagrant provider</span>
              <select aria-label="Vagrant provider" value={backend} onChange={(e) => setBackend(e.target.value as VagrantBackend)}>
                {VAGRANT_BACKENDS.map((b) => (
                  <option key={b} value={b}>
                    {b}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span>Box</span>
              <input aria-label="Box" value={box} placeholder="the provider's default box" onChange={(e) => setBox(e.target.value)} />
            </label>
          </>
        )}
      </fieldset>
      <DialogActions confirm="Apply" disabled={fixed} busy={busy} onConfirm={() => void apply()} onCancel={onClose} />
    </Dialog>
  );
}
