/** Go Micro registrations in words, alike for the window and the CLI. */
import type { GoMicroValue } from './types.js';

/** `Request{name string}`: a type with its fields, one level deep. */
export function describeValue(v: GoMicroValue | null): string {
  if (!v) return '-';
  return v.values?.length ? `${v.type}{${v.values.map((f) => `${f.name} ${f.type}`).join(', ')}}` : v.type;
}

/**
 * Consul's DNS serves a service only under a name of letters, digits and dashes; for any other (Go Micro's dotted
 * go.micro.srv.greeter) the agent logs that it "will not be discoverable via DNS". Null when DNS serves it.
 */
export function dnsNote(service: string): string | null {
  if (/^[a-z0-9-]+$/i.test(service)) return null;
  return (
    `Consul's DNS does not serve ${service}: a DNS name has only letters, digits and dashes, so Consul logs that it ` +
    'is not discoverable via DNS. Go Micro finds it through the HTTP API.'
  );
}
