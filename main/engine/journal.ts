/**
 * The lab's recent history for views that open later (a reload, a second tab): the timeline-worthy events,
 * kept in order up to a cap.
 */
import type { LabEvent } from '../common/types.js';
import type { EventStream } from './events.js';

const KEPT: ReadonlySet<LabEvent['type']> = new Set([
  'progress',
  'member',
  'gossip',
  'leader',
  'action',
  'greeter-health',
  'greeter-instance',
  'greeter-call',
]);

export class Journal {
  private events: LabEvent[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    stream: EventStream,
    private readonly cap = 2000,
  ) {
    this.unsubscribe = stream.on((e) => {
      if (!KEPT.has(e.type)) return;
      this.events.push(e);
      if (this.events.length > this.cap) this.events.splice(0, this.events.length - this.cap);
    });
  }

  list(): LabEvent[] {
    return [...this.events];
  }

  close(): void {
    this.unsubscribe();
  }
}
