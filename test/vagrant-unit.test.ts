/** The vagrant provider's pure parts: shell quoting (checked through a real /bin/sh), machine-readable parsing, errors, the Vagrantfile. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { makeSpec } from '../main/engine/lab/spec.js';
import { explainFailure, machineStates, parseMachineReadable } from '../main/engine/providers/vagrant/cli.js';
import { optionsFromEnv } from '../main/engine/providers/vagrant/options.js';
import { remoteAgentCommand } from '../main/engine/providers/vagrant/remote.js';
import { shellJoin, shellQuote } from '../main/engine/providers/vagrant/quote.js';
import { vagrantfile } from '../main/engine/providers/vagrant/vagrantfile.js';

/** The words /bin/sh sees in a command line. */
function words(line: string): string[] {
  const r = spawnSync('/bin/sh', ['-c', `for a in ${line}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

test('shellQuote: every argument reaches the shell as exactly one word, unchanged', () => {
  const nasty = ['', 'plain', "it's", 'a b', '$(touch /tmp/pwned)', '`id`', '"q"', '\\', 'x;y&z|w', '*', '~', '-client=127.0.0.1 172.20.20.10', "'", "''", 'tab\there', 'new\nline', 'ünï', '%s\\n'];
  assert.deepEqual(words(shellJoin(nasty)), nasty);
  assert.equal(shellQuote('-node=agent-one'), '-node=agent-one');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.throws(() => shellQuote('a\0b'));
});

test('the remote agent command: the tutorial flags, the host-reachable -client, the config written first', () => {
  const spec = makeSpec({ provider: 'vagrant' });
  const n1 = spec.nodes.find((n) => n.name === 'agent-one')!;
  const cmd = remoteAgentCommand(spec, n1, { rejoin: true, ui: true });
  const [write, exec] = cmd.split(' && exec ');
  assert.deepEqual(words(exec!), [
    'consul', 'agent', '-server', '-bootstrap-expect=2', '-data-dir=/tmp/consul', '-node=agent-one', '-bind=172.20.20.10',
    '-client=127.0.0.1 172.20.20.10', '-config-dir=/etc/consul.d', '-rejoin', '-ui',
  ]);
  const json = words(write!.replace(/ > .*$/, ''))[2]!;
  assert.equal(JSON.parse(json).disable_update_check, true);
});

test('the vagrant spec: n1, n2 on 172.20.20.10/.11, the client on the host at 172.20.20.1', () => {
  const spec = makeSpec({ provider: 'vagrant' });
  assert.deepEqual(spec.nodes.map((n) => [n.name, n.machine, n.address, n.ports.http]), [
    ['agent-one', 'n1', '172.20.20.10', 8500],
    ['agent-two', 'n2', '172.20.20.11', 8500],
    ['agent-client', 'host', '172.20.20.1', 8500],
  ]);
  assert.throws(() => makeSpec({ provider: 'vagrant', clients: 2 }), /one client agent/);
});

test('machine-readable output: fields, escaped commas and newlines, states', () => {
  const out = '1795575387,n1,state,running\r\nnoise\r\n1795575387,,ui,info,a%!(VAGRANT_COMMA) b\\nc\n1795575387,n2,state,not_created\n';
  const lines = parseMachineReadable(out);
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[1]!.data, ['info', 'a, b\nc']);
  assert.deepEqual(machineStates(lines), { n1: 'running', n2: 'not_created' });
});

test('vagrant errors in plain words', () => {
  const opts = optionsFromEnv({ CONSUL_LAB_VAGRANT_PROVIDER: 'lxc' });
  const err = (klass: string, msg: string) => explainFailure(parseMachineReadable(`1795575387,,error-exit,${klass},${msg}\n`), '', { what: 'vagrant up', options: opts }).message;
  assert.match(err('Vagrant::Errors::NoDefaultProvider', 'No usable default provider could be found'), /no usable Vagrant provider/);
  assert.match(err('Vagrant::Errors::ProviderNotFound', "The provider 'lxc' could not be found"), /no "lxc" provider.*apt install vagrant-lxc/);
  assert.match(err('Vagrant::Errors::BoxAddShortNotFound', 'x\\nError: Could not resolve host: vagrantcloud.com'), /box consul-lab\/debian-12-r2 is not on this machine.*Could not resolve host.*build-box\.sh/);
});

test('the Vagrantfile: private_network for VirtualBox, LXC-set NICs for lxc, Consul provisioned', () => {
  const spec = makeSpec({ provider: 'vagrant' });
  const vb = vagrantfile({ spec, options: optionsFromEnv({ CONSUL_LAB_VAGRANT_PROVIDER: 'virtualbox' }), consulVersion: '1.14.11', consulFromHost: null });
  assert.match(vb, /config\.vm\.box = 'debian\/bookworm64'/);
  assert.match(vb, /n1\.vm\.network 'private_network', ip: '172\.20\.20\.10'/);
  assert.match(vb, /n2\.vm\.network 'private_network', ip: '172\.20\.20\.11'/);
  assert.match(vb, /releases\.hashicorp\.com\/consul\/1\.14\.11/);
  assert.match(vb, /disable_update_check = true/);
  const lxc = vagrantfile({ spec, options: optionsFromEnv({ CONSUL_LAB_VAGRANT_PROVIDER: 'lxc' }), consulVersion: '1.14.11', consulFromHost: '/vagrant/vm/consul-linux-amd64' });
  assert.doesNotMatch(lxc, /^\s*n\d\.vm\.(network|hostname)/m);
  assert.match(lxc, /lxc\.customize 'net\.1\.link', 'labbr0'/);
  assert.match(lxc, /lxc\.customize 'net\.1\.ipv4\.address', '172\.20\.20\.11\/24'/);
  assert.match(lxc, /install -m 0755 "\/vagrant\/vm\/consul-linux-amd64"/);
  const ruby = spawnSync('ruby', ['-c', '-e', lxc.replace("Vagrant.configure('2')", 'proc')], { encoding: 'utf8' });
  if (ruby.status !== null && !ruby.error) assert.equal(ruby.status, 0, ruby.stderr);
});
