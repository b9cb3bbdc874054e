/**
 * Go Micro's Consul registry writes a service's facts into its tags, each hex of zlib-compressed JSON: "v-" the
 * version, one "t-" per node metadata entry, one "e-" per endpoint with its request and response types. The
 * Consul UI shows them as hex; decoded here (older releases wrote "v=", "t=", "e=" in plain text).
 */
import { inflateSync } from 'node:zlib';
import type { GoMicroEndpoint, GoMicroInfo, GoMicroValue } from '../../common/types.js';

function decode(tag: string): string | null {
  const body = tag.slice(2);
  if (tag[1] === '=') return body;
  if (!/^([0-9a-f]{2})+$/.test(body)) return null;
  try {
    return inflateSync(Buffer.from(body, 'hex')).toString('utf8');
  } catch {
    return null;
  }
}

function parse(text: string | null): unknown {
  try {
    return text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(v: unknown): Record<string, string> {
  return isObject(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
}

function value(v: unknown): GoMicroValue | null {
  if (!isObject(v) || typeof v.name !== 'string') return null;
  const values = Array.isArray(v.values) ? v.values.map(value).filter((x): x is GoMicroValue => x !== null) : [];
  return { name: v.name, type: typeof v.type === 'string' ? v.type : '', ...(values.length ? { values } : {}) };
}

function endpoint(v: unknown): GoMicroEndpoint | null {
  if (!isObject(v) || typeof v.name !== 'string') return null;
  return { name: v.name, request: value(v.request), response: value(v.response), metadata: strings(v.metadata) };
}

/** The Go Micro facts in a registration's tags, or null when none of its tags is Go Micro's. */
export function readGoMicro(tags: readonly string[]): GoMicroInfo | null {
  const info: GoMicroInfo = { version: null, metadata: {}, endpoints: [] };
  let found = false;
  for (const tag of tags) {
    if (!/^[vte][-=]/.test(tag)) continue;
    const text = decode(tag);
    if (text === null) continue;
    if (tag[0] === 'v') {
      info.version = text;
      found = true;
    } else if (tag[0] === 't') {
      const md = parse(text);
      Object.assign(info.metadata, strings(md));
      found ||= isObject(md);
    } else {
      const ep = endpoint(parse(text));
      if (ep) info.endpoints.push(ep);
      found ||= ep !== null;
    }
  }
  return found ? info : null;
}
