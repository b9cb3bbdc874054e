/** Validation at the boundary: node names, KV keys, addresses, greeter names. Shared by every door. */

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function checkNodeName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InputError('a node name is required (for example agent-one)');
  }
  if (!DNS_LABEL.test(name)) {
    throw new InputError(
      `invalid node name "${printable(name)}": ` +
        'use a DNS label of letters, digits and inner hyphens, at most 63 characters (for example agent-one)',
    );
  }
  return name;
}

/** Consul rejects values larger than 512 KiB by default (kv_max_value_size). */
export const KV_MAX_VALUE_BYTES = 512 * 1024;

/** `.`, `..` and their percent-encoded forms: what URL parsers (WHATWG's and Go's) resolve as dot segments. */
const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;
const NOR_CONSUL = 'so `consul kv put` cannot store such a key either';

/**
 * A key is sent as path segments, each percent-encoded, so it can only address /v1/kv/. Consul's own CLI sends
 * the raw path and Consul's HTTP server cleans `.`, `..` and `//` away (and redirects), so such keys never reach
 * the KV store as typed: they are refused here. A single trailing `/` is a folder key, as Consul's UI makes them.
 */
export function checkKvKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InputError('a KV key is required and cannot be empty (for example hello or app/config)');
  }
  const bad = (rule: string) => new InputError(`invalid KV key "${printable(key)}": ${rule}`);
  if (key.startsWith('/')) throw bad(`keys do not start with "/" (write ${key.replace(/^\/+/, '')})`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a key may not hold
  if (/[\u0000-\u001f\u007f]/.test(key)) throw bad('control characters are not allowed');
  const segments = key.split('/');
  if (segments.some((s) => DOT_SEGMENT.test(s))) {
    throw bad(`a key segment cannot be "." or ".." (nor %2e…): Consul's HTTP server resolves it to another path, ${NOR_CONSUL}`);
  }
  if (segments.slice(0, -1).includes('')) {
    throw bad(`empty segments ("//") are not allowed: Consul's HTTP server merges them, ${NOR_CONSUL} (one trailing "/" is a folder)`);
  }
  return key;
}

export function checkKvPrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === '') return '';
  return checkKvKey(prefix);
}

export function checkKvSize(bytes: number): void {
  if (bytes > KV_MAX_VALUE_BYTES) {
    const limit = `Consul's limit of ${KV_MAX_VALUE_BYTES} bytes (512 KiB)`;
    throw new InputError(`the value is ${bytes} bytes, over ${limit}: store a smaller value or split it across keys`);
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A KV value given as text (`value`) or as bytes (`base64`), exactly one; returns its bytes, at most 512 KiB. */
export function checkKvValue(value: unknown, base64?: unknown): Uint8Array {
  if ((value === undefined) === (base64 === undefined)) {
    throw new InputError('a KV value is required: give exactly one of value (text) or base64 (bytes)');
  }
  if (value !== undefined) {
    if (typeof value !== 'string') throw new InputError('a KV value must be text (or bytes as base64)');
    const bytes = new TextEncoder().encode(value);
    checkKvSize(bytes.length);
    return bytes;
  }
  if (typeof base64 !== 'string' || !BASE64.test(base64)) throw new InputError('a KV value in base64 must be standard base64 text');
  checkKvSize((base64.length / 4) * 3 - (base64.match(/=*$/)?.[0].length ?? 0));
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A Vagrant box name, such as debian/bookworm64. */
export const BOX_NAME = /^[A-Za-z0-9_.:/-]{1,200}$/;

/** A loopback /24 prefix such as 127.0.0 that a local lab's addresses are made from. */
export function checkSubnet(subnet: unknown): string {
  if (typeof subnet !== 'string' || !/^\d+\.\d+\.\d+$/.test(subnet) || !IPV4.test(`${subnet}.1`)) {
    throw new InputError(`invalid subnet "${printable(String(subnet))}": expected the first three parts of an address, such as 127.0.0`);
  }
  if (!subnet.startsWith('127.')) {
    throw new InputError(
      `invalid subnet "${subnet}": a local lab runs its agents on loopback addresses, so the subnet must be 127.X.Y (for example 127.0.1)`,
    );
  }
  return subnet;
}

export const GREETER_NAME_MAX = 256;

export function checkGreeterName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0) {
    throw new InputError('a name to greet is required (for example John)');
  }
  if ([...name].length > GREETER_NAME_MAX) {
    throw new InputError(`the name is ${[...name].length} characters long; the Greeter accepts at most ${GREETER_NAME_MAX}`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a name may not hold
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    throw new InputError('the name contains control characters; use printable text');
  }
  return name;
}

export function checkCount(count: unknown, max = 10000): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > max) {
    throw new InputError(`invalid count ${String(count)}: expected a whole number from 1 to ${max}`);
  }
  return count;
}

function printable(s: string): string {
  const shown = s.length > 80 ? `${s.slice(0, 77)}...` : s;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the ones shown escaped
  return shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
