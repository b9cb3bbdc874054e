// The web host against hostile requests: any request line, path or header, with or without the token, over
// plain HTTP or as a WebSocket upgrade, gets an answer (or a closed connection) and never takes the host down,
// never serves the app without the token, and never serves a file outside its static dir.
// FUZZ_SEED=n reproduces a run; the seed is in every failure message.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHandlers } from '../main/doors/handlers.js';
import { Lab } from '../main/engine/lab.js';
import { LabSession } from '../main/engine/session.js';
import { startWebHost, type WebHost } from '../main/web/host.js';
import { tempDir } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const PAGE = 'consul-lab-index-marker';
const ASSET = 'consul-lab-asset-marker';
const SECRET = 'consul-lab-secret-marker';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Sends raw bytes on a fresh connection and returns what the host answered, once it closed the connection or went
 * quiet (a kept-alive connection, a switched protocol). `then` is what the client does after sending: wait, half-close
 * (for a request the host would otherwise wait to see the end of), or reset.
 */
function raw(port: number, bytes: Buffer, then: 'wait' | 'end' | 'reset' = 'wait'): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    let timer = setTimeout(() => done(), 3000);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.on('data', (d) => {
      chunks.push(d);
      clearTimeout(timer);
      timer = setTimeout(done, 250);
    });
    socket.on('close', done);
    socket.on('error', done);
    socket.write(bytes, () => {
      if (then === 'reset') socket.resetAndDestroy();
      if (then === 'end') socket.end();
    });
  });
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const status = (response: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0);

describe('web host under fuzzed requests', () => {
  let host: WebHost;
  let session: LabSession;
  let cookie = '';

  before(async () => {
    const base = tempDir();
    const staticDir = join(base, 'renderer');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), `<!doctype html><title>${PAGE}</title>`);
    writeFileSync(join(staticDir, 'assets', 'app.js'), `console.log('${ASSET}');`);
    writeFileSync(join(base, 'secret.txt'), SECRET);
    mkdirSync(join(base, 'renderer-x'));
    writeFileSync(join(base, 'renderer-x', 'secret.txt'), SECRET);
    session = new LabSession(new Lab({ dir: join(base, 'lab'), subnet: '127.0.41' }));
    host = await startWebHost({ handlers: createHandlers(session), subscribe: (l) => session.events.on(l), staticDir, port: 0 });
    cookie = `consul-lab-${host.port}=${host.token}`;
  });
  after(async () => {
    await host.close();
    await session.close(false);
  });

  async function assertServing(why: string): Promise<void> {
    const origin = `http://127.0.0.1:${host.port}`;
    const page = await fetch(`${origin}/?token=${host.token}`);
    assert.equal(page.status, 200, `the page with the token, ${why}`);
    assert.match(await page.text(), new RegExp(PAGE));
    const asset = await fetch(`${origin}/assets/app.js`, { headers: { cookie } });
    assert.equal(asset.status, 200, `an asset with the cookie, ${why}`);
    const refused = await fetch(`${origin}/`);
    assert.equal(refused.status, 401, `the page without the token, ${why}`);
    assert.doesNotMatch(await refused.text(), new RegExp(PAGE));
    const ws = [
      `GET /api?token=${host.token} HTTP/1.1`,
      `Host: 127.0.0.1:${host.port}`,
      `Origin: ${origin}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${KEY}`,
    ];
    const opened = await raw(host.port, Buffer.from(`${ws.join('\r\n')}\r\n\r\n`));
    assert.equal(status(opened), 101, `the API with the token, ${why}`);
  }

  test('GET /% and GET http://[/ get a 400, plain and as upgrades, and the host keeps serving', async () => {
    const h = `Host: 127.0.0.1:${host.port}\r\n`;
    const upgrade = `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n`;
    for (const target of ['/%', 'http://[/', `/%?token=${host.token}`, `http://[/?token=${host.token}`]) {
      for (const extra of ['', upgrade, `Cookie: ${cookie}\r\n`]) {
        const response = await raw(host.port, Buffer.from(`GET ${target} HTTP/1.1\r\n${h}${extra}\r\n`, 'latin1'), 'end');
        assert.equal(status(response), 400, `GET ${target} with ${JSON.stringify(extra)}: ${response}`);
      }
    }
    await assertServing('after the reported requests');
  });

  test('hundreds of fuzzed request lines, paths and headers, with and without the token, never hurt the host', async () => {
    const rand = prng(SEED);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const port = host.port;
    const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    // Most parts of a request are well formed and a few are not, so that fuzzed requests also get past the parser
    // to the Host, token, path and WebSocket checks.
    const often = <T>(good: T, bad: readonly T[], p = 0.15): T => (rand() < p ? pick(bad) : good);
    const alphabet = [
      '%',
      '%E0%A4%A',
      '%ZZ',
      '%00',
      '%2e',
      '%2f',
      '%5c',
      '%C3%A9',
      '..',
      '/',
      '\\',
      '[',
      ']',
      '?',
      '@',
      ':',
      ';',
      '~',
      'a',
      'index.html',
      'assets',
      'app.js',
    ];
    const paths = [
      '/api',
      '/%',
      '/%E0%A4%A',
      '/%C0%AF',
      '/%ff',
      'http://[/',
      'http://[::1',
      '//',
      '///',
      '/..%2f..%2fetc/passwd',
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..\\secret.txt',
      '/..%5csecret.txt',
      '/assets/../../secret.txt',
      '/../renderer-x/secret.txt',
      '/..%2frenderer-x%2fsecret.txt',
      `http://127.0.0.1:${port}/../secret.txt`,
      `http://127.0.0.1:${port}/%2e%2e/secret.txt`,
      'http://evil.example/',
      `http://127.0.0.1:${port}/`,
      '*',
      '?',
      '/?token',
      '/?token=',
      '/?token=%',
      '/?token=%E0',
      '/api?token=%',
      '/index.html%00.js',
      '/\x00',
      '/a\x00b',
      '/\xff\xfe',
      '/\u00e9',
      'javascript:alert(1)',
      'file:///etc/passwd',
      `/${'a'.repeat(9000)}`,
      `/${'%'.repeat(3000)}`,
      `/${'../'.repeat(500)}etc/passwd`,
      '/assets/',
      '/assets',
    ];
    const badMethods = ['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'CONNECT', 'get', 'G\x00T', 'GET GET', 'X'.repeat(300), ''];
    const badVersions = ['HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1x', 'HTTP/', '', 'HTTP/1.1 extra', 'http/1.1'];
    const badHosts = [
      '127.0.0.1',
      'evil.example',
      '[',
      '',
      `127.0.0.1:${port + 1}`,
      `127.0.0.1:${port}\x00`,
      `127.0.0.1:${port}\xff`,
      'x'.repeat(5000),
    ];
    const badCookies = [
      `consul-lab-${port + 1}=${host.token}`,
      `consul-lab-${port}=wrong`,
      `consul-lab-${port}=`,
      `consul-lab-${port}`,
      '=;;;=',
      ';',
      `a=%; consul-lab-${port}=%E0%A4%A`,
      `consul-lab-${port}="${host.token}"`,
      `consul-lab-${port}=${host.token}x`,
      'x'.repeat(12000),
      '\xff\xfe=\x80',
    ];
    const goodCookies = [cookie, `\xff\xfe=\x80; ${cookie}`, `a=%; ${cookie}; b=`];
    const origin = `http://127.0.0.1:${port}`;
    const badOrigins = [`http://localhost:${port}`, 'http://evil.example', 'null', '', '%', 'http://[/'];

    function target(auth: string, upgrade: boolean): string {
      const random = `/${Array.from({ length: int(12) }, () => pick(alphabet)).join('')}`;
      const plain = rand() < 0.35 ? pick(['/', '/index.html', '/assets/app.js']) : rand() < 0.6 ? pick(paths) : random;
      let t = upgrade && rand() < 0.6 ? '/api' : plain;
      if (rand() < 0.05) t += randomBytes(1 + int(8)).toString('latin1');
      if (auth === 'query') t += `${t.includes('?') ? '&' : '?'}token=${host.token}`;
      return t;
    }

    function request(auth: string, upgrade: boolean): { bytes: Buffer; complete: boolean } {
      const lines: string[] = [];
      const method = rand() < 0.1 ? 'HEAD' : often('GET', badMethods);
      const line = `${method} ${target(auth, upgrade)} ${often('HTTP/1.1', badVersions, 0.1)}`;
      lines.push(rand() < 0.03 ? randomBytes(1 + int(80)).toString('latin1') : line);
      if (rand() < 0.95) lines.push(`Host: ${often(rand() < 0.8 ? `127.0.0.1:${port}` : `localhost:${port}`, badHosts)}`);
      if (rand() < 0.05) lines.push(`Host: ${pick(badHosts)}`);
      if (auth === 'cookie') lines.push(`Cookie: ${pick(goodCookies)}`);
      else if (rand() < 0.3) lines.push(`Cookie: ${pick(badCookies)}`);
      if (!upgrade) lines.push('Connection: close');
      else {
        lines.push(`Connection: ${often('Upgrade', ['upgrade', 'keep-alive, Upgrade', 'close', ''])}`);
        lines.push(`Upgrade: ${often('websocket', ['WebSocket', 'h2c', ''])}`);
        if (rand() < 0.95) lines.push(`Sec-WebSocket-Key: ${often(KEY, ['', 'short', '%%%', 'x'.repeat(200)])}`);
        if (rand() < 0.95) lines.push(`Sec-WebSocket-Version: ${often('13', ['8', '', 'x'])}`);
        if (rand() < 0.9) lines.push(`Origin: ${often(origin, badOrigins)}`);
      }
      if (rand() < 0.04) lines.push(`X-Huge: ${'h'.repeat(20_000 + int(60_000))}`);
      if (rand() < 0.04) lines.push('No colon here', ' folded: continuation');
      if (rand() < 0.04) lines.push(`X-Bytes: ${randomBytes(1 + int(40)).toString('latin1')}`);
      const lengths = [
        'Content-Length: x',
        'Content-Length: 5',
        'Content-Length: -1',
        'Transfer-Encoding: chunked',
        'Content-Length: 1\r\nContent-Length: 2',
      ];
      if (rand() < 0.04) lines.push(pick(lengths));
      const body = rand() < 0.04 ? pick(['zz\r\n', '5\r\nab', 'hello']) : '';
      const end = often('\r\n\r\n', ['', '\r\n', '\n'], 0.04);
      const eol = often('\r\n', ['\n'], 0.04);
      return { bytes: Buffer.from(lines.join(eol) + end + body, 'latin1'), complete: end === '\r\n\r\n' && eol === '\r\n' };
    }

    const batches = 10;
    const perBatch = 80;
    const statuses = new Set<number>();
    for (let b = 0; b < batches; b++) {
      const cases = Array.from({ length: perBatch }, () => {
        const auth = pick(['none', 'none', 'query', 'cookie']);
        const upgrade = rand() < 0.4;
        const { bytes, complete } = request(auth, upgrade);
        const then = rand() < 0.05 ? ('reset' as const) : complete && rand() < 0.8 ? ('wait' as const) : ('end' as const);
        return { auth, bytes, then };
      });
      const responses = await Promise.all(cases.map((c) => raw(port, c.bytes, c.then)));
      cases.forEach((c, i) => {
        const r = responses[i]!;
        statuses.add(status(r));
        const what = `seed ${SEED}, batch ${b}, case ${i}: ${JSON.stringify(c.bytes.toString('latin1').slice(0, 300))}`;
        assert.ok(!r.includes(SECRET), `a file outside the static dir was served (${what})`);
        assert.notEqual(status(r), 500, `the request threw in the host (${what})`);
        const app = r.includes(PAGE) || r.includes(ASSET);
        if (c.auth === 'none') assert.ok(!app, `app bytes without the token (${what}): ${r.slice(0, 200)}`);
        if (status(r) === 200) assert.match(r, /Content-Security-Policy: default-src 'self'/i, what);
      });
      await assertServing(`after batch ${b} (seed ${SEED})`);
    }
    for (const s of [101, 200, 400, 401, 403, 404]) assert.ok(statuses.has(s), `no fuzzed request got a ${s} (seed ${SEED})`);
  });
});
