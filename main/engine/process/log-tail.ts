/** Follows an agent's capped log file (and its rotation) and hands new output to a callback, batched. */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Batcher } from './batcher.js';

export function readTail(file: string, bytes: number): string {
  if (!existsSync(file)) return '';
  const size = statSync(file).size;
  const start = Math.max(0, size - bytes);
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export class LogTail {
  private offset = 0;
  private ino = 0;
  private watcher: FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly batcher: Batcher;
  private paused = false;

  constructor(
    private readonly file: string,
    onData: (data: string) => void,
  ) {
    this.batcher = new Batcher(onData);
  }

  /** Start following from the current end of the file. */
  start(): void {
    if (existsSync(this.file)) {
      const st = statSync(this.file);
      this.offset = st.size;
      this.ino = st.ino;
    }
    // The directory is watched so that creation and rotation of the file are seen too.
    mkdirSync(dirname(this.file), { recursive: true });
    this.watcher = watch(dirname(this.file), (_event, name) => {
      if (name === null || name === basename(this.file)) this.read();
    });
    this.watcher.on('error', () => undefined);
    // fs.watch can miss events on some file systems; a slow safety net.
    this.poll = setInterval(() => this.read(), 1000);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.read();
  }

  private read(): void {
    if (this.paused || !existsSync(this.file)) return;
    const st = statSync(this.file);
    if (st.ino !== this.ino || st.size < this.offset) {
      this.ino = st.ino;
      this.offset = 0;
    }
    if (st.size === this.offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const len = Math.min(st.size - this.offset, 1024 * 1024);
      const buf = Buffer.alloc(len);
      const n = readSync(fd, buf, 0, len, this.offset);
      this.offset += n;
      this.batcher.push(buf.subarray(0, n).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  }

  stop(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    this.batcher.dispose();
  }
}
