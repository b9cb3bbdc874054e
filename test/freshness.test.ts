// What Consul knows, the lab knows at once: the watch reports a killed agent's failure within half a second of
// the first agent saying so; a picture of the lab takes under half a second even with quorum lost; each server's
// raft state is read from the server itself, and a paused follower's index lags, then catches up. Real agents.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LabEvent } from '../main/common/types.js';
import { ClusterWatch } from '../main/engine/cluster/watch.js';
import { readMembers } from '../main/engine/cluster/members.js';
import { cleanup, cli, eventually, tempLab } from './helpers.js';

describe('the tutorial lab, watched', () => {
  const lab = tempLab({ subnet: '127.0.54' });
  const watch = new ClusterWatch(lab);
  const events: (LabEvent & { seen: number })[] = [];
  before(async () => {
    await lab.up();
    lab.on((e) => events.push({ ...e, seen: Date.now() }));
    watch.start();
  });
  after(async () => {
    watch.stop();
    await cleanup(lab);
  });

  test('kill agent-two: the watch says failed within 0.5 s of agent-one saying so', async () => {
    await eventually(
      'the watch to see three alive',
      10_000,
      async () => watch.current?.members.filter((m) => m.status === 'alive').length === 3,
    );
    await lab.kill('agent-two');
    // Polled from outside every 50 ms, as a user would watch Consul itself.
    const consulSaid = await eventually(
      'agent-one to say agent-two failed',
      30_000,
      async () => {
        const ms = await readMembers(lab.client('agent-one'), 300);
        return ms.find((m) => m.name === 'agent-two')?.status === 'failed' ? Date.now() : null;
      },
      50,
    );
    const watchSaid = await eventually(
      'the watch to say agent-two failed',
      5_000,
      async () => events.find((e) => e.type === 'member' && e.name === 'agent-two' && e.to === 'failed')?.seen,
    );
    assert.ok(watchSaid - consulSaid <= 500 + 50, `the watch was ${watchSaid - consulSaid} ms behind agent-one`);
  });

  test("with quorum lost, a snapshot takes under 0.5 s and holds each server's raft state", async () => {
    const t0 = performance.now();
    const s = await lab.snapshot();
    const ms = performance.now() - t0;
    assert.ok(ms < 500, `snapshot took ${ms.toFixed(0)} ms`);
    assert.equal(s.leader, null);
    assert.ok(s.raft && s.raft.tolerates < 0, 'quorum lost');
    const one = s.nodes.find((n) => n.name === 'agent-one')!;
    assert.ok(one.raft, 'agent-one reports its raft state');
    assert.match(one.raft.state, /^(Follower|Candidate)$/);
    assert.ok(one.raft.term >= 1 && one.raft.lastLogIndex >= one.raft.commitIndex && one.raft.appliedIndex > 0);
    assert.equal(s.nodes.find((n) => n.name === 'agent-two')!.raft, null, 'a killed server reports nothing');
    assert.equal(s.nodes.find((n) => n.name === 'agent-client')!.raft, null, 'a client has no raft state');
    await lab.rejoin('agent-two');
  });
});

describe("each agent's own view", () => {
  const lab = tempLab({ subnet: '127.0.58' });
  before(() => lab.up());
  after(() => cleanup(lab));

  test('kill agent-two: each agent records its own verdict at its own time; members --views --json shows them', async () => {
    await lab.kill('agent-two');
    const failedAt = new Map<string, number>();
    await eventually(
      'agent-one and agent-client to each say agent-two failed',
      30_000,
      async () => {
        for (const v of (await lab.snapshot()).views) {
          if (v.members?.find((m) => m.name === 'agent-two')?.status === 'failed' && !failedAt.has(v.agent))
            failedAt.set(v.agent, Date.now());
        }
        return failedAt.has('agent-one') && failedAt.has('agent-client');
      },
      100,
    );
    assert.deepEqual([...failedAt.keys()].sort(), ['agent-client', 'agent-one']);
    const r = await cli(['members', '--views', '--json', '--lab', lab.dir.root]);
    assert.equal(r.code, 0, r.stderr);
    const views = JSON.parse(r.stdout) as { agent: string; members: { name: string; status: string }[] | null }[];
    assert.deepEqual(views.map((v) => v.agent).sort(), ['agent-client', 'agent-one'], 'the killed agent has no view');
    for (const v of views) assert.equal(v.members?.find((m) => m.name === 'agent-two')?.status, 'failed');
    const one = await cli(['members', '--from', 'agent-one', '--lab', lab.dir.root]);
    assert.match(one.stdout, /members as agent-one sees them:[\s\S]*agent-two\s+127\.0\.58\.11:8301\s+failed/);
  });
});

describe('three servers: raft indexes', () => {
  const lab = tempLab({ subnet: '127.0.55', servers: 3, clients: 0 });
  before(() => lab.up());
  after(() => cleanup(lab));

  const applied = async () => Object.fromEntries((await lab.snapshot()).nodes.map((n) => [n.name, n.raft?.appliedIndex ?? null]));

  test("a KV put advances every server's applied index to the same value", async () => {
    const before = await applied();
    await lab.kvPut('raft/one', 'x');
    const after = await eventually('the same applied index on every server', 5_000, async () => {
      const a = await applied();
      const values = new Set(Object.values(a));
      return values.size === 1 ? a : null;
    });
    for (const name of Object.keys(after)) assert.ok(after[name]! > before[name]!, `${name}: ${before[name]} → ${after[name]}`);
  });

  test('a paused follower lags while writes go on, and catches up on resume', async () => {
    const s = await lab.snapshot();
    const followerNode = s.nodes.find((n) => n.raft?.state === 'Follower')!;
    const follower = followerNode.name;
    const frozenAt = followerNode.raft!.appliedIndex;
    await lab.pause(follower);
    for (let i = 0; i < 5; i++) await lab.kvPut(`raft/lag${i}`, String(i));
    const lagging = await lab.snapshot();
    assert.equal(lagging.nodes.find((n) => n.name === follower)!.raft, null, 'a paused server does not answer');
    const leaderIndex = lagging.nodes.find((n) => n.raft?.state === 'Leader')!.raft!.appliedIndex;
    assert.ok(leaderIndex >= frozenAt + 5, `the leader went on (${frozenAt} → ${leaderIndex}) while ${follower} stood still`);
    await lab.resume(follower);
    const caught = await eventually(`${follower} to catch up`, 10_000, async () => {
      const r = (await lab.snapshot()).nodes.find((n) => n.name === follower)!.raft;
      return r && r.appliedIndex >= leaderIndex ? r : null;
    });
    assert.ok(caught.appliedIndex >= leaderIndex);
  });
});
