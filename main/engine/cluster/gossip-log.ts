/**
 * How Consul comes to know, in its agents' own log lines: memberlist's suspicion of a member and its verdict,
 * serf's member events, and raft's elections, each told by the agent that wrote it, at the time it wrote it.
 * The LAN pool only: the WAN pool repeats the servers' story under other names.
 */
import type { GossipEvent } from '../../common/types.js';

type Said = Omit<GossipEvent, 'type' | 'observer' | 'at'>;

const RULES: [RegExp, (m: RegExpExecArray) => Said][] = [
  [/memberlist\.lan: memberlist: Suspect (\S+) has failed, no acks received/, (m) => ({ what: 'suspect', subject: m[1]! })],
  [
    /memberlist\.lan: memberlist: Marking (\S+) as failed, suspect timeout reached \((\d+) peer confirmations?\)/,
    (m) => ({ what: 'marked-failed', subject: m[1]!, confirmations: Number(m[2]) }),
  ],
  [/memberlist\.lan: memberlist: Refuting a suspect message/, () => ({ what: 'refute', subject: '' })],
  [/serf\.lan: serf: EventMemberFailed: (\S+)/, (m) => ({ what: 'failed', subject: m[1]! })],
  [/serf\.lan: serf: EventMemberJoin: (\S+)/, (m) => ({ what: 'joined', subject: m[1]! })],
  [/serf\.lan: serf: EventMemberLeave: (\S+)/, (m) => ({ what: 'left', subject: m[1]! })],
  [/raft: entering candidate state: .* term=(\d+)/, (m) => ({ what: 'candidate', subject: '', term: Number(m[1]) })],
  [/raft: election won: term=(\d+)/, (m) => ({ what: 'elected', subject: '', term: Number(m[1]) })],
];

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/;

/** The event one log line of `observer`'s agent tells, or null; colour codes and CR are ignored. */
export function parseGossip(line: string, observer: string): GossipEvent | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ANSI colour codes of a pty are what is stripped
  const text = line.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r$/, '');
  for (const [re, said] of RULES) {
    const m = re.exec(text);
    if (!m) continue;
    const stamp = STAMP.exec(text)?.[1];
    const r = said(m);
    return { type: 'gossip', observer, ...r, subject: r.subject || observer, at: stamp ? Date.parse(stamp) : Date.now() };
  }
  return null;
}

/** Splits a stream of log output into lines and hands on the events they tell. */
export class GossipReader {
  private rest = '';

  constructor(
    private readonly observer: string,
    private readonly emit: (e: GossipEvent) => void,
  ) {}

  push(chunk: string): void {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop() ?? '';
    if (this.rest.length > 64 * 1024) this.rest = '';
    for (const line of lines) {
      const e = parseGossip(line, this.observer);
      if (e) this.emit(e);
    }
  }
}
