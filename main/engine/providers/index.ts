import type { LabSpec } from '../../common/types.js';
import type { LabDir } from '../lab/labdir.js';
import { LocalProvider } from './local.js';
import type { Provider } from './provider.js';
import { VagrantProvider } from './vagrant/provider.js';

export function createProvider(spec: LabSpec, dir: LabDir): Provider {
  switch (spec.provider) {
    case 'local':
      return new LocalProvider(dir);
    case 'vagrant':
      return new VagrantProvider(dir);
  }
}
