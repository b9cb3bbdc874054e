// The Electron IPC door, tested without Electron: the adapter is registered on a stand-in for ipcMain
// (the one thing faked here, because no Electron binary runs on this machine); the handlers and lab are real.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { IPC_CALL, type ReplyFrame } from '../main/common/contract.js';
import { createHandlers } from '../main/doors/handlers.js';
import { appOriginCheck, registerIpc, type IpcEventLike, type IpcMainLike } from '../main/doors/ipc.js';
import { Lab } from '../main/engine/lab.js';
import { LabSession } from '../main/engine/session.js';
import { tempDir } from './helpers.js';

describe('IPC door', () => {
  const session = new LabSession(new Lab({ dir: join(tempDir(), 'lab'), subnet: '127.0.11' }));
  after(() => session.close(true));
  const index = pathToFileURL('/opt/Consul Lab/resources/app.asar/out/renderer/index.html').href;
  const registered = new Map<string, (e: IpcEventLike, ...a: unknown[]) => Promise<unknown>>();
  const ipc: IpcMainLike = { handle: (ch, fn) => registered.set(ch, fn) };
  registerIpc(ipc, () => createHandlers(session), appOriginCheck(index));
  const call = (url: string, op: unknown, args: unknown) =>
    registered.get(IPC_CALL)!({ senderFrame: { url } }, op, args) as Promise<ReplyFrame>;

  test('one channel is registered', () => {
    assert.deepEqual([...registered.keys()], [IPC_CALL]);
  });

  test("the app's own page is served", async () => {
    const r = await call(index, 'snapshot', {});
    assert.equal(r.ok, true);
    assert.equal((r as { result: { lab: { nodes: unknown[] } } }).result.lab.nodes.length, 3);
  });

  test('a sender from another origin is refused', async () => {
    for (const url of ['https://evil.example/', 'http://127.0.0.1:8500/ui/', pathToFileURL('/tmp/other.html').href, 'not a url', '']) {
      const r = await call(url, 'snapshot', {});
      assert.equal(r.ok, false, url);
      assert.match((r as { error: string }).error, /refused: a call from .*not the app's own page/);
    }
    const r = await registered.get(IPC_CALL)!({ senderFrame: null }, 'snapshot', {});
    assert.equal((r as ReplyFrame).ok, false);
  });

  test('invalid operations and arguments are refused with the reason', async () => {
    const cases: [unknown, unknown, RegExp][] = [
      ['rm -rf', {}, /unknown operation/],
      ['kill', { node: 'bad name' }, /kill: node: invalid node name "bad name"/],
      ['kill', {}, /kill: node: a node name is required/],
      ['kvPut', { key: 'k', value: 'v', sneaky: true }, /Unrecognized key/],
      ['kvPut', { key: 'k', value: 'x'.repeat(600 * 1024) }, /over Consul's limit/],
      ['greeterCall', { name: '' }, /a name to greet is required/],
      ['greeterCall', { name: 'John', count: 0 }, /invalid count 0/],
      ['termResize', { id: 't1', cols: 100000, rows: 10 }, /cols/],
    ];
    for (const [op, args, why] of cases) {
      const r = await call(index, op, args);
      assert.equal(r.ok, false, String(op));
      assert.match((r as { error: string }).error, why);
    }
  });

  test('a dev server origin is allowed only when named', () => {
    const dev = appOriginCheck(index, 'http://localhost:5173');
    assert.equal(dev('http://localhost:5173/'), true);
    assert.equal(dev('http://localhost:5174/'), false);
    assert.equal(appOriginCheck(index)('http://localhost:5173/'), false);
  });
});
