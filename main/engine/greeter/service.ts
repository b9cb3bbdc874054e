/**
 * One Greeter instance, its own process: POST /greeter/hello answers {msg, instance, node}. It registers
 * itself with its node's agent (with an HTTP check the agent runs every second) and deregisters on SIGTERM.
 * Started detached by the manager with a job file in the lab's run/ directory.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import Consul from 'consul';
import { checkGreeterName } from '../../common/names.js';
import { SERVICE, VERSION, writeRecord, type GreeterJob } from './records.js';

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error(`the request body is over ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function handler(job: GreeterJob) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok', instance: job.id });
    if (req.url !== '/greeter/hello') return send(res, 404, { error: `no such endpoint: ${req.method} ${req.url}; use POST /greeter/hello` });
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST /greeter/hello with {"name": "..."}' });
    try {
      const { name } = JSON.parse(await readBody(req)) as { name?: unknown };
      send(res, 200, { msg: `Hello ${checkGreeterName(name)}`, instance: job.id, node: job.node });
    } catch (err) {
      send(res, 400, { error: (err as Error).message });
    }
  };
}

async function main(jobPath: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as GreeterJob;
  const server = createServer(handler(job));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: job.address, port: 0 }, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const agentUrl = new URL(job.agent);
  const consul = new Consul({ host: agentUrl.hostname, port: Number(agentUrl.port) });
  await consul.agent.service.register({
    name: SERVICE,
    id: job.id,
    address: job.address,
    port,
    tags: ['consul-lab', 'http', `v${VERSION}`],
    meta: { version: VERSION, node: job.node, api: 'POST /greeter/hello' },
    check: {
      name: `${job.id} HTTP /health`,
      http: `http://${job.address}:${port}/health`,
      interval: '1s',
      timeout: '1s',
      // Consul raises anything under one minute to one minute (check_deregister_interval_min).
      deregistercriticalserviceafter: '1m',
    },
  });
  writeRecord(job.recordFile, { id: job.id, node: job.node, address: job.address, port, pid: process.pid, startedAt: Date.now() });
  console.log(`${job.id} listening on ${job.address}:${port}, registered with ${job.agent}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await consul.agent.service.deregister(job.id);
      console.log(`${job.id} deregistered`);
    } catch (err) {
      console.error(`${job.id} could not deregister from ${job.agent}: ${(err as Error).message}`);
    }
    server.closeAllConnections();
    server.close();
    rmSync(job.recordFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => undefined);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2]!).catch((err: Error) => {
    console.error(`greeter failed to start: ${err.message}`);
    process.exit(1);
  });
}
