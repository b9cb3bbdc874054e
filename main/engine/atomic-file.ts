/** Files written so that a reader in another process never sees half of one. */
import { randomBytes } from 'node:crypto';
import { linkSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** A file name no reader takes for the real one, unique to this process. */
export function tempName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
}

/** Writes whole, then renames: a reader sees the old content or the new one, never half of it. */
export function writeAtomic(file: string, text: string): void {
  const tmp = tempName(file);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Creates `file` with `text` only if it does not exist yet, atomically; false if it existed. */
export function createAtomic(file: string, text: string): boolean {
  const tmp = tempName(file);
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}
