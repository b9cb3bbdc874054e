/** The Consul release Consul Lab pins: the newest MPL-2.0 release whose module graph builds from the Go proxy. */
export const CONSUL_VERSION = '1.14.11';
/** Releases from 1.17 on are under the BSL and are never used; older than 1.10 lacks what the lab relies on. */
export const MIN_SUPPORTED = [1, 10, 0] as const;
export const FIRST_BSL = [1, 17, 0] as const;
export const RELEASES_URL = 'https://releases.hashicorp.com/consul';

export function parseVersion(text: string): [number, number, number] | null {
  const m = /Consul v(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function cmp(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function isSupported(v: readonly number[]): boolean {
  return cmp(v, MIN_SUPPORTED) >= 0 && cmp(v, FIRST_BSL) < 0;
}

export function platformTriple(): { os: string; arch: string } {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'windows', freebsd: 'freebsd' }[process.platform as string];
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' }[process.arch as string];
  if (!os || !arch) throw new Error(`no official Consul release exists for ${process.platform}/${process.arch}`);
  return { os, arch };
}
