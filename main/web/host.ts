/**
 * The web door: serves the built renderer and the lab contract over a WebSocket, on 127.0.0.1 only,
 * for holders of a random token, from pages of its own origin only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
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

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

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
  let port = 0;
  const origins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const hostOk = (h: string | undefined) => h === `127.0.0.1:${port}` || h === `localhost:${port}`;

  const server = createServer((req, res) => serveStatic(opts.staticDir, req, res, hostOk));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refuse = (status: number, why: string) => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`);
    };
    if (url.pathname !== '/api') return refuse(404, 'Not Found');
    if (!hostOk(req.headers.host)) return refuse(403, 'Forbidden: wrong Host header');
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(401, 'Unauthorized: missing or wrong token');
    if (!origins().has(req.headers.origin ?? '')) return refuse(403, 'Forbidden: foreign Origin');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
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
      reject(err.code === 'EADDRINUSE' ? new Error(`127.0.0.1:${opts.port} is already in use: choose another --port, or --port 0 for any free one`) : err),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

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

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, hostOk: (h: string | undefined) => boolean): void {
  if (!hostOk(req.headers.host)) {
    res.writeHead(403).end('Forbidden: wrong Host header\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  const rel = normalize(path === '/' ? '/index.html' : path);
  const file = join(root, rel);
  if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    return;
  }
  res.writeHead(200, {
    'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}
