/** A Vagrantfile's syntax, checked with `ruby -c` before the user's edit is saved (Vagrant needs Ruby, so it is there). */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ruby's complaint about the text, or null when it parses (or when there is no ruby to ask). */
export async function rubySyntaxError(text: string): Promise<string | null> {
  const dir = mkdtempSync(join(tmpdir(), 'consul-lab-vagrantfile-'));
  const file = join(dir, 'Vagrantfile');
  writeFileSync(file, text);
  try {
    return await new Promise<string | null>((resolve, reject) => {
      execFile('ruby', ['-c', file], { timeout: 20_000, encoding: 'utf8' }, (err, _stdout, stderr) => {
        if (!err) return resolve(null);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(null);
        if (err.killed) return reject(new Error('ruby -c took too long to check the Vagrantfile'));
        resolve((stderr || err.message).split(file).join('Vagrantfile').trim());
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
