/** The vagrant provider's pure parts: shell quoting (checked through a real /bin/sh), machine-readable parsing, errors, the Vagrantfile. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeSpec } from '../main/engine/lab/spec.js';
import { explainFailure, machineStates, parseMachineReadable } from '../main/engine/providers/vagrant/cli.js';
import { optionsFromEnv } from '../main/engine/providers/vagrant/options.js';
import { remoteAgentCommand } from '../main/engine/providers/vagrant/remote.js';
import { shellJoin, shellQuote } from '../main/engine/providers/vagrant/quote.js';
import { lxcSshAddress, provisionScript, vagrantfile, vmNodes } from '../main/engine/providers/vagrant/vagrantfile.js';

/** The words /bin/sh sees in a command line. */
function words(line: string): string[] {
  const r = spawnSync('/bin/sh', ['-c', `for a in ${line}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

test('shellQuote: every argument reaches the shell as exactly one word, unchanged', () => {
  const nasty = [
    '',
    'plain',
    "it's",
    'a b',
    '$(touch /tmp/pwned)',
    '`id`',
    '"q"',
    '\\',
    'x;y&z|w',
    '*',
    '~',
    '-client=127.0.0.1 172.20.20.10',
    "'",
    "''",
    'tab\there',
    'new\nline',
    'ünï',
    '%s\\n',
  ];
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
    'consul',
    'agent',
    '-server',
    '-bootstrap-expect=2',
    '-data-dir=/tmp/consul',
    '-node=agent-one',
    '-bind=172.20.20.10',
    '-client=127.0.0.1 172.20.20.10',
    '-config-dir=/etc/consul.d',
    '-rejoin',
    '-ui',
  ]);
  const json = words(write!.replace(/ > .*$/, ''))[2]!;
  assert.equal(JSON.parse(json).disable_update_check, true);
});

test('the vagrant spec: n1, n2 on 172.20.20.10/.11, the client on the host at 172.20.20.1', () => {
  const spec = makeSpec({ provider: 'vagrant' });
  assert.deepEqual(
    spec.nodes.map((n) => [n.name, n.machine, n.address, n.ports.http]),
    [
      ['agent-one', 'n1', '172.20.20.10', 8500],
      ['agent-two', 'n2', '172.20.20.11', 8500],
      ['agent-client', 'host', '172.20.20.1', 8500],
    ],
  );
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
  const err = (klass: string, msg: string) => {
    const lines = parseMachineReadable(`1795575387,,error-exit,${klass},${msg}\n`);
    return explainFailure(lines, '', { what: 'vagrant up', options: opts }).message;
  };
  assert.match(err('Vagrant::Errors::NoDefaultProvider', 'No usable default provider could be found'), /no usable Vagrant provider/);
  assert.match(
    err('Vagrant::Errors::ProviderNotFound', "The provider 'lxc' could not be found"),
    /no "lxc" provider.*apt install vagrant-lxc/,
  );
  assert.match(
    err('Vagrant::Errors::BoxAddShortNotFound', 'x\\nError: Could not resolve host: vagrantcloud.com'),
    /box consul-lab\/debian-12-r2 is not on this machine.*Could not resolve host.*build-box\.sh/,
  );
});

test('the Vagrantfile: private_network for VirtualBox, LXC-set NICs for lxc, Consul provisioned', () => {
  const spec = makeSpec({ provider: 'vagrant' });
  const backend = (name: string) => optionsFromEnv({ CONSUL_LAB_VAGRANT_PROVIDER: name });
  const vb = vagrantfile({ spec, options: backend('virtualbox'), consulVersion: '1.14.11', consulFromHost: null });
  assert.match(vb, /config\.vm\.box = 'debian\/bookworm64'/);
  assert.match(vb, /n1\.vm\.network 'private_network', ip: '172\.20\.20\.10'/);
  assert.match(vb, /n2\.vm\.network 'private_network', ip: '172\.20\.20\.11'/);
  assert.match(vb, /releases\.hashicorp\.com\/consul\/1\.14\.11/);
  assert.match(vb, /disable_update_check = true/);
  const lxc = vagrantfile({ spec, options: backend('lxc'), consulVersion: '1.14.11', consulFromHost: '/vagrant/vm/consul-linux-amd64' });
  assert.doesNotMatch(lxc, /^\s*n\d\.vm\.(network|hostname)/m);
  assert.match(lxc, /lxc\.customize 'net\.1\.link', 'labbr0'/);
  assert.match(lxc, /lxc\.customize 'net\.1\.ipv4\.address', '172\.20\.20\.11\/24'/);
  assert.match(lxc, /install -m 0755 "\/vagrant\/vm\/consul-linux-amd64"/);
  const ruby = spawnSync('ruby', ['-c', '-e', lxc.replace("Vagrant.configure('2')", 'proc')], { encoding: 'utf8' });
  if (ruby.status !== null && !ruby.error) assert.equal(ruby.status, 0, ruby.stderr);
});

const RECORDER = fileURLToPath(new URL('./fixtures/vagrantfile-recorder.rb', import.meta.url));
const needsRuby = { skip: !!spawnSync('ruby', ['--version']).error && 'ruby is not installed' };

/** What Ruby makes of a Vagrantfile: each setting and call, as [path, ...values]. */
function evaluate(text: string): unknown[][] {
  const dir = mkdtempSync(join(tmpdir(), 'vagrantfile-'));
  try {
    writeFileSync(join(dir, 'Vagrantfile'), text);
    const r = spawnSync('ruby', ['-r', RECORDER, 'Vagrantfile'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as unknown[][];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('three servers: one VM each, in order, with its own addresses; the client stays on the host', () => {
  const spec = makeSpec({ provider: 'vagrant', servers: 3 });
  const vms = vmNodes(spec);
  assert.deepEqual(
    vms.map((n) => [n.name, n.machine]),
    [
      ['agent-one', 'n1'],
      ['agent-two', 'n2'],
      ['agent-three', 'n3'],
    ],
  );
  assert.deepEqual(
    vms.map((n) => lxcSshAddress(spec, n)),
    ['10.0.3.10', '10.0.3.11', '10.0.3.12'],
  );
});

test("Ruby reads the VirtualBox Vagrantfile as meant: the box, memory, each VM's name and private network", needsRuby, () => {
  const spec = makeSpec({ provider: 'vagrant', servers: 3 });
  const options = { ...optionsFromEnv({ CONSUL_LAB_VAGRANT_PROVIDER: 'virtualbox' }), box: "o'brien/box" };
  const calls = evaluate(vagrantfile({ spec, options, consulVersion: '1.14.11', consulFromHost: null }));
  assert.deepEqual(calls, [
    ['vm.box', "o'brien/box"],
    ['vm.provision', 'shell', { inline: provisionScript('1.14.11', null) }],
    ['vm.provider', 'virtualbox'],
    ['vm.provider.virtualbox.memory', 512],
    ['vm.provider', 'libvirt'],
    ['vm.provider.libvirt.memory', 512],
    ...['n1', 'n2', 'n3'].flatMap((m, i) => [
      ['vm.define', m],
      [`vm.define.${m}.vm.hostname`, m],
      [`vm.define.${m}.vm.network`, 'private_network', { ip: `172.20.20.${10 + i}` }],
    ]),
  ]);
});

test('Ruby reads the LXC Vagrantfile as meant: no private_network, LXC sets both NICs, the container names', needsRuby, () => {
  const spec = makeSpec({ provider: 'vagrant', servers: 3 });
  const options = optionsFromEnv({ CONSUL_LAB_VAGRANT_PROVIDER: 'lxc', CONSUL_LAB_VAGRANT_BRIDGE: 'br7' });
  const got = evaluate(vagrantfile({ spec, options, consulVersion: '1.14.11', consulFromHost: null, containerPrefix: 'lab-x' }));
  assert.deepEqual(got[0], ['vm.box', 'consul-lab/debian-12-r2']);
  assert.ok(!got.some(([path]) => /memory|network|hostname/.test(String(path))), 'nothing LXC cannot do');
  ['n1', 'n2', 'n3'].forEach((m, i) => {
    const lxc = `vm.define.${m}.vm.provider.lxc`;
    const of = (key: string) => got.filter(([path, name]) => path === `${lxc}.customize` && name === key).map(([, , v]) => v);
    assert.ok(got.some(([path, name]) => path === 'vm.define' && name === m));
    assert.ok(got.some(([path, name]) => path === `${lxc}.container_name` && name === `lab-x-${m}`));
    assert.ok(got.some(([path, ip]) => path === `${lxc}.ssh_ip_addr` && ip === `10.0.3.${10 + i}`));
    assert.deepEqual(
      [of('net.0.ipv4.address'), of('net.1.link'), of('net.1.ipv4.address')],
      [[`10.0.3.${10 + i}/24`], ['br7'], [`172.20.20.${10 + i}/24`]],
    );
    const hostname = got.find(([path]) => path === `vm.define.${m}.vm.provision`)?.[2] as { inline: string };
    const hosts = `(grep -q ' ${m}$' /etc/hosts || echo '127.0.1.1 ${m}' >> /etc/hosts)`;
    assert.equal(hostname.inline, `hostname ${m} && echo ${m} > /etc/hostname && ${hosts}`);
  });
  const unnamed = evaluate(vagrantfile({ spec, options, consulVersion: '1.14.11', consulFromHost: null }));
  const defaultName = unnamed.find(([path]) => path === 'vm.define.n1.vm.provider.lxc.container_name');
  assert.deepEqual(defaultName?.[1], 'consul-lab-n1', 'the default prefix');
});

test("the provisioning script is valid sh, and installs the host's consul when it has one, else the release", () => {
  for (const from of [null, '/vagrant/vm/consul-linux-amd64']) {
    const script = provisionScript('1.14.11', from);
    const r = spawnSync('/bin/sh', ['-n', '-c', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(script.includes('install -m 0755 "/vagrant/vm/consul-linux-amd64" /usr/local/bin/consul'), from !== null);
    assert.match(script, /grep -q "v1\.14\.11"/);
  }
});
