/**
 * lab.json: the marker that makes a folder a lab. Only a folder holding a lab.json written by Consul Lab (its
 * identity and format version) is ever stopped, signalled or deleted as a lab; the marker also holds the lab's id,
 * which every process the lab starts carries in its environment, and the spec once the lab has been brought up.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../../common/names.js';
import type { LabSpec } from '../../common/types.js';

export const MARKER_FORMAT = 1;
/** The variable every process the lab starts carries, with the lab's id: how its processes are found after a crash. */
export const LAB_ID_ENV = 'CONSUL_LAB_ID';

/**
 * new: an up is under way for the first time; configured: settings chosen, never brought up; created: brought
 * up at least once, its spec fixed until destroy.
 */
export type LabState = 'new' | 'configured' | 'created';

export interface Marker {
  consulLab: { format: number; id: string; madeFolder: boolean };
  state: LabState;
  spec: LabSpec;
}

/** The marker, or null where there is none; a lab.json that is not Consul Lab's is named as such. */
export function readMarker(file: string): Marker | null {
  if (!existsSync(file)) return null;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new InputError(`${file} is not a Consul Lab marker (not JSON): this folder is not a lab; use another --lab`);
  }
  const m = data as Partial<Marker> & { nodes?: unknown };
  if (m && typeof m === 'object' && m.consulLab && typeof m.consulLab === 'object') {
    if (m.consulLab.format !== MARKER_FORMAT) {
      throw new InputError(
        `${file} has format ${String(m.consulLab.format)}; this Consul Lab reads format ${MARKER_FORMAT}: use a matching version`,
      );
    }
    if (typeof m.consulLab.id !== 'string' || !/^[0-9a-f]{16}$/.test(m.consulLab.id) || !m.spec || !m.state) {
      throw new InputError(
        `${file} is a damaged Consul Lab marker (id, state or spec missing): stop its agents and delete the folder by hand`,
      );
    }
    return m as Marker;
  }
  if (m && typeof m === 'object' && Array.isArray(m.nodes)) {
    throw new InputError(
      `${file} was written by an earlier Consul Lab (before format ${MARKER_FORMAT}): ` +
        'stop its agents, delete the folder by hand, and run up again',
    );
  }
  throw new InputError(`${file} is not a Consul Lab marker: this folder is not a lab; use another --lab`);
}

export function newMarker(spec: LabSpec, state: LabState, madeFolder: boolean): Marker {
  return { consulLab: { format: MARKER_FORMAT, id: randomBytes(8).toString('hex'), madeFolder }, state, spec };
}
