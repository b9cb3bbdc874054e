/**
 * A lab opened by a long-lived door (the app or the web host): the lab, its live watch, its terminals and log
 * followers. The lab may be replaced (new settings); the session's event stream follows the current one.
 */
import type { ClusterSnapshot, VagrantChoice } from '../common/types.js';
import { ClusterWatch } from './cluster/watch.js';
import { EventStream } from './events.js';
import { Journal } from './journal.js';
import type { Lab } from './lab.js';
import type { SpecOptions } from './lab/spec.js';
import { Terminals } from './terminals.js';

export type ConfigureOptions = Pick<SpecOptions, 'servers' | 'clients' | 'provider' | 'subnet'> & { vagrant?: VagrantChoice };

export class LabSession {
  /** The current lab's events, whichever lab that is. */
  readonly events = new EventStream();
  readonly journal = new Journal(this.events);
  private current!: { lab: Lab; watch: ClusterWatch; terminals: Terminals; unforward: () => void };

  constructor(lab: Lab) {
    this.bind(lab);
  }

  get lab(): Lab {
    return this.current.lab;
  }
  get watch(): ClusterWatch {
    return this.current.watch;
  }
  get terminals(): Terminals {
    return this.current.terminals;
  }

  private bind(lab: Lab): void {
    const unforward = lab.on((e) => this.events.emit(e));
    const watch = new ClusterWatch(lab);
    const terminals = new Terminals(lab);
    this.current = { lab, watch, terminals, unforward };
    watch.start();
    terminals.followLogs();
  }

  private unbind(): void {
    const { watch, terminals, unforward } = this.current;
    watch.stop();
    terminals.dispose();
    unforward();
  }

  /** New settings for the lab (refused once it has been brought up); every view sees the new topology at once. */
  async configure(opts: ConfigureOptions): Promise<ClusterSnapshot> {
    const { vagrant, ...spec } = opts;
    const next = await this.lab.reconfigure(spec, vagrant);
    this.unbind();
    this.bind(next);
    const snapshot = await next.snapshot();
    this.events.emit({ type: 'snapshot', snapshot });
    return snapshot;
  }

  /** Closes the session. `stopAgents` also brings the lab down; otherwise agents keep running for the next session. */
  async close(stopAgents: boolean): Promise<void> {
    this.unbind();
    this.journal.close();
    if (stopAgents && this.lab.dir.isLab()) await this.lab.down();
  }
}
