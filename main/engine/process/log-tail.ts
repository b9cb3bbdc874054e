/** Follows an agent's capped log file (and its rotation) and hands new output to a callback, batched. */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Batcher } from './batcher.js';

/** The last `bytes` of a file; empty when there is none (it may be rotated away at any moment). */
export function readTail(file: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Follows a file that is rotated by renaming (file → file.1, then a new file): it keeps the file open, so on a
 * rotation it first reads what is left of the old file, then goes on with the new one. Nothing is created.
 */
export class LogTail {
  private fd: number | null = null;
  private ino = 0;
  private offset = 0;
  private watcher: FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly batcher: Batcher;
  /** Characters cut between two reads are kept until their last byte arrives. */
  private readonly decoder = new StringDecoder('utf8');
  private paused = false;

  constructor(
    private readonly file: string,
    onData: (data: string) => void,
  ) {
    this.batcher = new Batcher(onData);
  }

  /** Start following from the current end of the file. */
  start(): void {
    this.open(true);
    this.watchDir();
    // fs.watch can miss events on some file systems, and the folder may not exist yet: a slow safety net.
    this.poll = setInterval(() => this.read(), 1000);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.read();
  }

  /** The directory is watched so that creation and rotation of the file are seen too. */
  private watchDir(): void {
    if (this.watcher || !existsSync(dirname(this.file))) return;
    try {
      this.watcher = watch(dirname(this.file), (_event, name) => {
        if (name === null || name === basename(this.file)) this.read();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      /* the folder went away in between: the poll tries again */
    }
  }

  private open(atEnd: boolean): boolean {
    try {
      const fd = openSync(this.file, 'r');
      const st = fstatSync(fd);
      this.fd = fd;
      this.ino = st.ino;
      this.offset = atEnd ? st.size : 0;
      return true;
    } catch {
      return false;
    }
  }

  private close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Reads from the open file up to its end. */
  private drain(): void {
    if (this.fd === null) return;
    const size = fstatSync(this.fd).size;
    if (size < this.offset) this.offset = 0; // truncated in place
    while (this.offset < size) {
      const buf = Buffer.alloc(Math.min(size - this.offset, 1024 * 1024));
      const n = readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n === 0) break;
      this.offset += n;
      this.batcher.push(this.decoder.write(buf.subarray(0, n)));
    }
  }

  private read(): void {
    if (this.paused) return;
    this.watchDir();
    let ino: number | null = null;
    try {
      ino = statSync(this.file).ino;
    } catch {
      /* renamed away, and the new file not there yet */
    }
    if (this.fd !== null && ino !== this.ino) {
      this.drain(); // the rest of the file that was rotated away
      this.close();
    }
    if (this.fd === null && (ino === null || !this.open(false))) return;
    this.drain();
  }

  stop(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    this.close();
    this.batcher.dispose();
  }
}
