/** A small client for one agent's HTTP API, with blocking queries and errors that name the agent. */

const NO_LEADER =
  /no cluster leader|no path to datacenter|No known Consul servers|Raft leader not found|rpc error getting client|leadership lost/i;

export class ConsulHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly agent: string,
    readonly body = '',
  ) {
    super(message);
    this.name = 'ConsulHttpError';
  }
  get unreachable(): boolean {
    return this.status === null;
  }
  /**
   * No leader to serve the request. In the first seconds after a server dies Consul 1.14 answers with the RPC's
   * own failure instead of "No cluster leader": "rpc error getting client: failed to get conn: dial tcp …" (the
   * dead server was the leader) or "raft apply failed: leadership lost while committing log" (it was a follower).
   */
  get noLeader(): boolean {
    return NO_LEADER.test(this.body);
  }
}

export interface Blocking<T> {
  value: T;
  index: number;
}

export interface RequestOptions {
  timeoutMs?: number;
  query?: Record<string, string | number | boolean | undefined>;
  /** Text and bytes are sent as they are, anything else as JSON. */
  body?: string | Uint8Array | object;
  signal?: AbortSignal;
}

export class AgentClient {
  constructor(
    /** The node name, used in error messages. */
    readonly agent: string,
    /** e.g. http://127.0.0.10:8500 */
    readonly base: string,
  ) {}

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; text: string; headers: Headers }> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined || v === false) continue;
      url.searchParams.set(k, v === true ? '' : String(v));
    }
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 5000);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        signal,
        body: typeof opts.body === 'object' && !(opts.body instanceof Uint8Array) ? JSON.stringify(opts.body) : opts.body,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const e = err as Error & { cause?: { code?: string } };
      const why =
        e.name === 'TimeoutError'
          ? `did not answer within ${Math.round((opts.timeoutMs ?? 5000) / 1000)} s (is it paused or overloaded?)`
          : e.cause?.code === 'ECONNREFUSED'
            ? 'is not running (connection refused)'
            : `cannot be reached (${e.cause?.code ?? e.message})`;
      throw new ConsulHttpError(`the agent ${this.agent} at ${this.base} ${why}`, null, this.agent);
    }
    const text = await res.text();
    if (res.status >= 400 && res.status !== 404) {
      throw new ConsulHttpError(
        `the agent ${this.agent} answered ${method} ${url.pathname}: ${res.status} ${text.trim()}`,
        res.status,
        this.agent,
        text,
      );
    }
    return { status: res.status, text, headers: res.headers };
  }

  async get<T>(path: string, opts: RequestOptions = {}): Promise<T | null> {
    const r = await this.request('GET', path, opts);
    return r.status === 404 ? null : (JSON.parse(r.text) as T);
  }

  /** A blocking query: returns when the index moves past `index` or after `waitS` seconds. */
  async blocking<T>(path: string, index: number, waitS: number, opts: RequestOptions = {}): Promise<Blocking<T | null>> {
    const r = await this.request('GET', path, {
      ...opts,
      timeoutMs: (waitS + 5) * 1000,
      query: { ...opts.query, index: index || undefined, wait: `${waitS}s` },
    });
    const next = Number(r.headers.get('x-consul-index') ?? 0);
    return { value: r.status === 404 ? null : (JSON.parse(r.text) as T), index: next };
  }

  async put(path: string, opts: RequestOptions = {}): Promise<string> {
    return (await this.request('PUT', path, opts)).text;
  }

  async del(path: string, opts: RequestOptions = {}): Promise<string> {
    return (await this.request('DELETE', path, opts)).text;
  }
}
