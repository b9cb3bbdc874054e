/** The lab's Vagrantfile: generated once from the tutorial's (with the host's consul when it fits), then the user's. */
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../common/names.js';
import type { LabSpec, VagrantChoice } from '../../../common/types.js';
import { resolveConsul } from '../../consul/resolve.js';
import type { LabDir } from '../../lab/labdir.js';
import type { VagrantfileEditing } from '../provider.js';
import { chooseOptions, type VagrantOptions } from './options.js';
import { CONSUL_IN_LAB } from './remote.js';
import { rubySyntaxError } from './ruby-check.js';
import { vagrantfile } from './vagrantfile.js';
import type { Vms } from './vms.js';

export class VagrantfileStore implements VagrantfileEditing {
  constructor(
    private readonly dir: LabDir,
    private readonly vms: Vms,
  ) {}

  get vagrantfilePath(): string {
    return join(this.dir.root, 'Vagrantfile');
  }

  /** The Vagrantfile, written once (the user may edit it afterwards), with the host's consul shared when it fits. */
  async write(spec: LabSpec, opts: VagrantOptions): Promise<void> {
    if (!existsSync(this.vagrantfilePath)) writeFileSync(this.vagrantfilePath, await this.generated(spec, opts));
  }

  private async generated(spec: LabSpec, opts: VagrantOptions): Promise<string> {
    const consul = await resolveConsul();
    let fromHost: string | null = null;
    if (process.platform === 'linux' && process.arch === 'x64') {
      const dest = join(this.dir.root, CONSUL_IN_LAB);
      if (!existsSync(dest)) {
        mkdirSync(this.vms.vmDir, { recursive: true });
        try {
          linkSync(consul.path, dest);
        } catch {
          copyFileSync(consul.path, dest);
        }
      }
      fromHost = `/vagrant/${CONSUL_IN_LAB}`;
    }
    return vagrantfile({
      spec,
      options: opts,
      consulVersion: consul.version,
      consulFromHost: fromHost,
      containerPrefix: this.vms.containerPrefix,
    });
  }

  async read(spec: LabSpec): Promise<string> {
    await this.write(spec, this.vms.options);
    return readFileSync(this.vagrantfilePath, 'utf8');
  }

  async save(text: string): Promise<void> {
    const problem = await rubySyntaxError(text);
    if (problem) throw new InputError(`the Vagrantfile was not saved: ruby -c finds a syntax error: ${problem}`);
    mkdirSync(this.dir.root, { recursive: true });
    writeFileSync(this.vagrantfilePath, text);
  }

  choose(choice: VagrantChoice): void {
    chooseOptions(this.vms.vmDir, choice);
  }

  async dropGenerated(spec: LabSpec): Promise<void> {
    if (!existsSync(this.vagrantfilePath)) return;
    if (readFileSync(this.vagrantfilePath, 'utf8') === (await this.generated(spec, this.vms.options))) rmSync(this.vagrantfilePath);
  }
}
