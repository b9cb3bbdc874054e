/** A typed event stream: the engine's only way of telling the doors (and through them, the views) what happened. */
import type { LabEvent } from '../common/types.js';

export type Listener = (event: LabEvent) => void;

export class EventStream {
  private listeners = new Set<Listener>();

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: LabEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* a failing listener must not stop the others */
      }
    }
  }
}
