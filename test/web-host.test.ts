// The web door: loopback only, the app and its API only with the token (or its cookie), Origin checked, and any
// frame a client sends gets an answer without hurting the host. The lab behind it is real (an engine session on a lab directory).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { createHandlers } from '../main/doors/handlers.js';
import { Lab } from '../main/engine/lab.js';
import { LabSession } from '../main/engine/session.js';
import { startWebHost, type WebHost } from '../main/web/host.js';
import { tempDir } from './helpers.js';

function open(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function replies(ws: WebSocket) {
  const got: { id: number | null; ok: boolean; error?: string; result?: unknown }[] = [];
  const events: { type: string }[] = [];
  ws.on('message', (d) => {
    const f = JSON.parse(String(d));
    if ('event' in f) events.push(f.event);
    else got.push(f);
  });
  return { got, events };
}

describe('web host', () => {
  let host: WebHost;
  let session: LabSession;
  let origin = '';
  let wsUrl = '';

  before(async () => {
    const staticDir = join(tempDir(), 'renderer');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Consul Lab</title>');
    writeFileSync(join(staticDir, 'assets', 'app.js'), "console.log('Consul Lab');");
    session = new LabSession(new Lab({ dir: join(tempDir(), 'lab'), subnet: '127.0.10' }));
    host = await startWebHost({ handlers: createHandlers(session), subscribe: (l) => session.events.on(l), staticDir, port: 0 });
    origin = `http://127.0.0.1:${host.port}`;
    wsUrl = `ws://127.0.0.1:${host.port}/api?token=${host.token}`;
  });
  after(async () => {
    await host.close();
    await session.close(true);
  });

  test('prints a loopback URL holding a random token', () => {
    assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
  });

  test('a missing or wrong token is refused', async () => {
    await assert.rejects(open(`ws://127.0.0.1:${host.port}/api`, origin), /HTTP 401/);
    await assert.rejects(open(`ws://127.0.0.1:${host.port}/api?token=wrong`, origin), /HTTP 401/);
    await assert.rejects(open(`ws://127.0.0.1:${host.port}/api?token=${host.token.slice(0, -1)}x`, origin), /HTTP 401/);
  });

  test('a foreign or missing Origin is refused', async () => {
    await assert.rejects(open(wsUrl, 'http://evil.example'), /HTTP 403/);
    await assert.rejects(open(wsUrl, `http://127.0.0.1:${host.port + 1}`), /HTTP 403/);
    await assert.rejects(open(wsUrl), /HTTP 403/);
  });

  test('a non-loopback bind is refused', async () => {
    await assert.rejects(
      startWebHost({ handlers: createHandlers(session), subscribe: () => () => undefined, staticDir: tempDir(), host: '0.0.0.0' }),
      /binds only to 127\.0\.0\.1, not 0\.0\.0\.0/,
    );
  });

  test('the page is served with a CSP, and only to its own Host', async () => {
    const page = await fetch(`${origin}/?token=${host.token}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal((await fetch(`${origin}/../../etc/passwd?token=${host.token}`)).status, 404);
    const { request } = await import('node:http');
    const path = `/?token=${host.token}`;
    const status = await new Promise<number>((r) =>
      request({ host: '127.0.0.1', port: host.port, path, headers: { host: 'attacker.example' } }, (res) => r(res.statusCode!)).end(),
    );
    assert.equal(status, 403);
  });

  test('the app is served only with the token, or the cookie the page gets from it', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/no-such-file', `/?token=${host.token.slice(0, -1)}x`]) {
      const res = await fetch(`${origin}${path}`);
      assert.equal(res.status, 401, path);
      assert.match(await res.text(), /open the exact URL that `consul-lab ui` printed/);
    }
    const page = await fetch(`${origin}/?token=${host.token}`);
    assert.equal(page.status, 200);
    const setCookie = page.headers.get('set-cookie') ?? '';
    assert.match(setCookie, new RegExp(`^consul-lab-${host.port}=${host.token}; `));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\//);
    const cookie = setCookie.split(';')[0]!;
    const asset = await fetch(`${origin}/assets/app.js`, { headers: { cookie: `other=1; ${cookie}` } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('set-cookie'), null);
    assert.match(await asset.text(), /console\.log/);
    // Cookies are not port-scoped: another web host's cookie, even holding this token, is not this host's.
    const other = await fetch(`${origin}/assets/app.js`, { headers: { cookie: `consul-lab-${host.port + 1}=${host.token}` } });
    assert.equal(other.status, 401);
    const wrong = await fetch(`${origin}/assets/app.js`, { headers: { cookie: `consul-lab-${host.port}=${host.token}x` } });
    assert.equal(wrong.status, 401);
  });

  test('the API also opens with the cookie, from the same Origin only', async () => {
    const api = `ws://127.0.0.1:${host.port}/api`;
    const withCookie = (cookie: string, origin_?: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(api, { headers: { cookie }, ...(origin_ ? { origin: origin_ } : {}) });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.once('error', reject);
      });
    (await withCookie(`consul-lab-${host.port}=${host.token}`, origin)).close();
    await assert.rejects(withCookie(`consul-lab-${host.port + 1}=${host.token}`, origin), /HTTP 401/);
    await assert.rejects(withCookie(`consul-lab-${host.port}=${host.token}`, 'http://evil.example'), /HTTP 403/);
  });

  test('hundreds of malformed or random frames each get an error reply, and the host keeps serving', async () => {
    const ws = await open(wsUrl, origin);
    const { got } = replies(ws);
    const frames: (string | Buffer)[] = [];
    for (let i = 0; i < 120; i++) frames.push(randomBytes(1 + (i % 64)));
    for (let i = 0; i < 60; i++) frames.push(randomBytes(1 + i).toString('latin1'));
    const bad = [
      'null',
      '[]',
      '42',
      '"str"',
      '{}',
      '{"id":"x","op":"snapshot"}',
      '{"id":1.5,"op":"snapshot"}',
      '{"id":1,"op":"nope"}',
      '{"id":1,"op":"__proto__"}',
      '{"id":1,"op":"constructor"}',
      '{"id":1,"op":"kill","args":{}}',
      '{"id":1,"op":"kill","args":{"node":"../etc"}}',
      '{"id":1,"op":"kill","args":{"node":"agent-one","extra":1}}',
      '{"id":1,"op":"kvPut","args":{"key":"","value":"v"}}',
      '{"id":1,"op":"kvPut","args":{"key":"k","value":7}}',
      '{"id":1,"op":"greeterCall","args":{"name":"a\\u0000b"}}',
      '{"id":1,"op":"termOpen","args":{"id":"t","node":"agent-one","cols":0,"rows":5}}',
      '{"id":1,"op":"termWrite","args":{"id":"no-such","data":"x"}}',
      '{"id":1,"op":"logTail","args":{"node":"agent-one","bytes":-1}}',
    ];
    for (let i = 0; i < 8; i++) frames.push(...bad);
    for (const f of frames) ws.send(f);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${got.length} of ${frames.length} replies`)), 20_000);
      const check = setInterval(() => {
        if (got.length >= frames.length) {
          clearTimeout(t);
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    assert.equal(got.length, frames.length);
    assert.ok(
      got.every((r) => r.ok === false && typeof r.error === 'string' && r.error.length > 0),
      'every bad frame got an error reply',
    );
    assert.ok(got.some((r) => /unknown operation/.test(r.error!)));
    assert.ok(got.some((r) => /invalid node name/.test(r.error!)));
    assert.ok(got.some((r) => /malformed frame/.test(r.error!)));
    ws.send(JSON.stringify({ id: 9999, op: 'snapshot', args: {} }));
    await new Promise((r) => setTimeout(r, 1500));
    const ok = got.find((r) => r.id === 9999);
    assert.equal(ok?.ok, true);
    assert.equal((ok?.result as { lab: { nodes: unknown[] } } | undefined)?.lab.nodes.length, 3);
    ws.close();
  });

  test('several tabs see the same live lab', async () => {
    const a = await open(wsUrl, origin);
    const b = await open(wsUrl, origin);
    const ra = replies(a);
    const rb = replies(b);
    a.send(JSON.stringify({ id: 1, op: 'kill', args: { node: 'agent-two' } }));
    await new Promise((r) => setTimeout(r, 1000));
    assert.match(ra.got[0]?.error ?? '', /there is no lab at .* \(no lab\.json made by Consul Lab\): run up first/);
    for (const r of [ra, rb])
      assert.ok(
        r.events.some((e) => e.type === 'action'),
        'both tabs saw the action',
      );
    a.close();
    b.close();
    // A tab opened later gets the history: the refused kill is in its timeline too.
    const c = await open(wsUrl, origin);
    const rc = replies(c);
    c.send(JSON.stringify({ id: 2, op: 'history', args: {} }));
    await new Promise((r) => setTimeout(r, 500));
    const history = rc.got.find((r) => r.id === 2)?.result as { type: string; op?: string; ok?: boolean }[];
    assert.ok(history.some((e) => e.type === 'action' && e.op === 'kill' && e.ok === false));
    c.close();
  });
});
