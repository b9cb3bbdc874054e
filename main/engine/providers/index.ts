import type { LabSpec } from '../../common/types.js';
import type { LabDir } from '../lab/labdir.js';
import { HostBackend } from './host.js';
import { LabProvider } from './lab-provider.js';
import type { Provider } from './provider.js';
import { VagrantBackend } from './vagrant/backend.js';

/** local: every agent on the host; vagrant: the servers in VMs, the client on the host. */
export function createProvider(spec: LabSpec, dir: LabDir): Provider {
  const host = new HostBackend(dir);
  switch (spec.provider) {
    case 'local':
      return new LabProvider('local', dir, host, null);
    case 'vagrant':
      return new LabProvider('vagrant', dir, host, new VagrantBackend(dir, host));
  }
}
