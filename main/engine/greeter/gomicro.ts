/**
 * Go Micro's Consul registry writes its service facts into tags: "v-" version, "t-" node metadata, "e-"
 * endpoints, each hex of zlib-compressed text (older releases wrote "v=", "t=", "e=" in plain text).
 * Reading them lets a Go Micro greeter registered in the same cluster be listed alongside ours.
 */
import { inflateSync } from 'node:zlib';

export interface GoMicroInfo {
  version: string | null;
  metadata: Record<string, string>;
  endpoints: string[];
}

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

function parse<T>(text: string | null): T | null {
  try {
    return text === null ? null : (JSON.parse(text) as T);
  } catch {
    return null;
  }
}

/** The Go Micro facts in a registration's tags, or null when none of its tags is Go Micro's. */
export function readGoMicro(tags: string[]): GoMicroInfo | null {
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
      const md = parse<Record<string, string>>(text);
      if (md) Object.assign(info.metadata, md);
      found ||= md !== null;
    } else {
      const ep = parse<{ name?: string }>(text);
      if (ep?.name) info.endpoints.push(ep.name);
      found ||= ep !== null;
    }
  }
  return found ? info : null;
}
