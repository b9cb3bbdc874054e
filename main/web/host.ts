/**
 * The web door: serves the built renderer and the lab contract over a WebSocket, on 127.0.0.1 only,
 * for holders of a random token (in the URL, or the cookie the page gets from it), the API from pages of its own
 * origin only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CallFrame, ReplyFrame } from '../common/contract.js';
import type { LabEvent } from '../common/types.js';
import { dispatch, type Handlers } from '../doors/handlers.js';

export interface WebHostOptions {
  handlers: Handlers;
  subscribe: (listener: (e: LabEvent) => void) => () => void;
  staticDir: string;
  host?: string;
  port?: number;
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1']);
const MAX_FRAME = 1024 * 1024;
/** Log events are dropped for a client this far behind, rather than buffering without bound. */
const SLOW_CLIENT_BYTES = 8 * 1024 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self' ws://127.0.0.1:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new Error(`the web host binds only to 127.0.0.1, not ${host}: the lab's API would be open to the network`);
  }
  if (!existsSync(join(opts.staticDir, 'index.html'))) {
    throw new Error(`the lab window is not built (${opts.staticDir}/index.html is missing): run npm run build`);
  }
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const root = resolve(opts.staticDir);
  let port = 0;
  const origins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const hostOk = (h: string | undefined) => h === `127.0.0.1:${port}` || h === `localhost:${port}`;
  // Cookies are not port-scoped: the port in the name keeps two hosts on one machine from overwriting each other's.
  const cookieName = () => `consul-lab-${port}`;
  const byQuery = (url: URL) => sameToken(url.searchParams.get('token'), token);
  const byCookie = (req: IncomingMessage) => sameToken(cookieValue(req.headers.cookie, cookieName()), token);

  const server = createServer((req, res) => {
    try {
      const target = parseTarget(req.url);
      if (!target) return plain(res, 400, 'Bad Request: malformed URL');
      if (!hostOk(req.headers.host)) return plain(res, 403, 'Forbidden: wrong Host header');
      const queryOk = byQuery(target.url);
      if (!queryOk && !byCookie(req)) return plain(res, 401, UNAUTHORISED);
      if (queryOk) res.setHeader('Set-Cookie', `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      serveStatic(root, req, res, target.path);
    } catch {
      if (res.headersSent) res.destroy();
      else plain(res, 500, 'Internal Server Error');
    }
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') return endRaw(socket, 431, 'Request Header Fields Too Large');
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return endRaw(socket, 408, 'Request Timeout');
    endRaw(socket, 400, 'Bad Request');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The HTTP server stops listening for this socket's errors once it is handed over: a reset would throw.
    socket.on('error', () => socket.destroy());
    try {
      const target = parseTarget(req.url);
      if (!target) return endRaw(socket, 400, 'Bad Request: malformed URL');
      if (target.path !== '/api') return endRaw(socket, 404, 'Not Found');
      if (!hostOk(req.headers.host)) return endRaw(socket, 403, 'Forbidden: wrong Host header');
      if (!byQuery(target.url) && !byCookie(req)) return endRaw(socket, 401, UNAUTHORISED);
      if (!origins().has(req.headers.origin ?? '')) return endRaw(socket, 403, 'Forbidden: foreign Origin');
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
    } catch {
      socket.destroy();
    }
  });

  const clients = new Set<WebSocket>();
  const unsubscribe = opts.subscribe((event) => {
    const frame = JSON.stringify({ event });
    for (const ws of clients) {
      if (event.type === 'log' && ws.bufferedAmount > SLOW_CLIENT_BYTES) continue;
      ws.send(frame);
    }
  });

  function attach(ws: WebSocket): void {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', async (raw, isBinary) => {
      let id: number | null = null;
      let reply: ReplyFrame;
      try {
        if (isBinary) throw new Error('binary frames are not accepted: send JSON text');
        let frame: Partial<CallFrame>;
        try {
          frame = JSON.parse(raw.toString());
        } catch {
          throw new Error('malformed frame: expected JSON {"id": number, "op": string, "args": object}');
        }
        if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new Error('malformed frame: expected a JSON object');
        if (typeof frame.id !== 'number' || !Number.isSafeInteger(frame.id)) throw new Error('malformed frame: "id" must be an integer');
        id = frame.id;
        const result = await dispatch(opts.handlers, frame.op, frame.args);
        reply = { id, ok: true, result: result ?? null };
      } catch (err) {
        reply = { id, ok: false, error: (err as Error).message };
      }
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`127.0.0.1:${opts.port} is already in use: choose another --port, or --port 0 for any free one`)
          : err,
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // Once listening, the server's only errors are failed accepts (out of file descriptors under a flood): the
  // connection is lost, the server keeps listening, and the host must not die of it.
  server.on('error', () => undefined);

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Answers a connection no HTTP response object stands for (a refused upgrade, a request that did not parse). */
function endRaw(socket: Duplex, status: number, why: string): void {
  socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`);
}

const UNAUTHORISED = 'Unauthorized: open the exact URL that `consul-lab ui` printed (it holds the token)';

/**
 * The request target (a path, or an absolute http URL) as a URL and its decoded path, or null when either does not
 * parse (`http://[/`, `/%`, a NUL).
 */
function parseTarget(target: string | undefined): { url: URL; path: string } | null {
  try {
    const t = target ?? '/';
    const url = new URL(t.startsWith('/') ? `http://127.0.0.1${t}` : t);
    const path = decodeURIComponent(url.pathname);
    return url.protocol !== 'http:' || path.includes('\0') ? null : { url, path };
  } catch {
    return null;
  }
}

/** The value of the named cookie in a Cookie header, taken verbatim (the token needs no decoding). */
function cookieValue(header: string | undefined, name: string): string | null {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return null;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, path: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const file = join(root, normalize(path === '/' ? '/index.html' : path));
  if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    plain(res, 404, 'Not Found');
    return;
  }
  res.writeHead(200, {
    'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') res.end();
  else
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
}
