/** Greeter instances hosted on lab nodes. (Being built under issue 4.) */
import type { GreeterInstance } from '../../common/types.js';
import type { Lab } from '../lab.js';

export class GreeterManager {
  constructor(private readonly lab: Lab) {}

  async list(): Promise<GreeterInstance[]> {
    void this.lab;
    return [];
  }

  async stopAll(): Promise<void> {}
}
