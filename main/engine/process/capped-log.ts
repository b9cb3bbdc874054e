/** An append-only log capped in size: past the cap the file is renamed to FILE.1 (replacing the older one) and a new one begun. */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class CappedLog {
  private fd: number;
  private size: number;

  constructor(
    private readonly file: string,
    private readonly capBytes: number,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
    this.size = fstatSync(this.fd).size;
  }

  write(data: string | Uint8Array): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.size > 0 && this.size + buf.length > this.capBytes) {
      closeSync(this.fd);
      renameSync(this.file, `${this.file}.1`);
      this.fd = openSync(this.file, 'a');
      this.size = 0;
    }
    writeSync(this.fd, buf);
    this.size += buf.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
