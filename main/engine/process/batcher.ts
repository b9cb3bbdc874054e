/**
 * Coalesces a stream of output chunks into one delivery about every 16 ms, or sooner once 200 KB are
 * waiting, so that a flood of output becomes a few large messages instead of thousands of small ones.
 */
export class Batcher {
  private chunks: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deliver: (data: string) => void,
    private readonly intervalMs = 16,
    private readonly maxBytes = 200 * 1024,
  ) {}

  push(data: string): void {
    this.chunks.push(data);
    this.size += data.length;
    if (this.size >= this.maxBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.chunks.length === 0) return;
    const data = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    this.deliver(data);
  }

  dispose(): void {
    this.flush();
  }
}

/**
 * Ack-based flow control (as in Tabby): the producer pauses when more than `high` characters were sent
 * and not yet acknowledged by the view, and resumes once the backlog falls under `low`.
 */
export class FlowControl {
  private unacked = 0;
  private paused = false;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly high = 1024 * 1024,
    private readonly low = 256 * 1024,
  ) {}

  sent(chars: number): void {
    this.unacked += chars;
    if (!this.paused && this.unacked > this.high) {
      this.paused = true;
      this.pause();
    }
  }

  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.paused && this.unacked < this.low) {
      this.paused = false;
      this.resume();
    }
  }

  get backlog(): number {
    return this.unacked;
  }
}
