/**
 * POST a JSON body and read the JSON answer over a kept-alive connection: the Greeter's client transport,
 * shared by the caller and the benchmark's direct baseline so that both pay the same HTTP cost.
 */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true });

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

export function postJson(url: string, payload: unknown, timeoutMs: number): Promise<JsonAnswer> {
  const data = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      timeout: timeoutMs,
      headers: { 'content-type': 'application/json', 'content-length': data.length },
    });
    req.on('timeout', () => req.destroy(new Error(`did not answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code ?? err.message)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        } catch {
          reject(new Error(`answered ${res.statusCode} with a body that is not JSON`));
        }
      });
    });
    req.end(data);
  });
}
