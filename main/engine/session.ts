/** A lab opened by a long-lived door (the app or the web host): the lab, its live watch, its terminals and log followers. */
import type { Lab } from './lab.js';
import { ClusterWatch } from './cluster/watch.js';
import { Journal } from './journal.js';
import { Terminals } from './terminals.js';

export class LabSession {
  readonly watch: ClusterWatch;
  readonly terminals: Terminals;
  readonly journal: Journal;

  constructor(readonly lab: Lab) {
    this.journal = new Journal(lab.events);
    this.watch = new ClusterWatch(this.lab);
    this.terminals = new Terminals(this.lab);
    this.watch.start();
    this.terminals.followLogs();
  }

  /** Closes the session. `stopAgents` also brings the lab down; otherwise agents keep running for the next session. */
  async close(stopAgents: boolean): Promise<void> {
    this.watch.stop();
    this.terminals.dispose();
    this.journal.close();
    if (stopAgents) await this.lab.down();
  }
}
