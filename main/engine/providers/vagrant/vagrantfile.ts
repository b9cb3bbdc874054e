/**
 * The lab's Vagrantfile, generated from the tutorial's: a box, provisioning that installs Consul, and one VM
 * per server (n1, n2, …) on the private network 172.20.20.0/24. Written once into the lab directory; the user
 * may edit it (the app shows it), and it is not overwritten afterwards.
 *
 * VirtualBox and libvirt use the tutorial's `private_network`. LXC (vagrant-lxc on LXC 5) cannot: its bundled
 * pipework does not find LXC 5 containers. There LXC itself configures two NICs with static addresses:
 * eth0 on lxcbr0 (10.0.3.x, Vagrant's ssh) and eth1 on the host bridge that holds 172.20.20.1/24.
 */
import { runsOnHost } from '../../../common/steps.js';
import type { LabSpec, NodeSpec } from '../../../common/types.js';
import type { VagrantOptions } from './options.js';

/** The VMs of a lab: its servers, in order (the host runs the client agents). */
export function vmNodes(spec: LabSpec): NodeSpec[] {
  return spec.nodes.filter((n) => !runsOnHost(n));
}

/** lxc: the address of a VM's first NIC on lxcbr0, which Vagrant uses for ssh. */
export function lxcSshAddress(spec: LabSpec, node: NodeSpec): string {
  return `10.0.3.${10 + vmNodes(spec).findIndex((n) => n.name === node.name)}`;
}

/** A Ruby double-quoted-free literal: the values are checked names and addresses; still, never interpolate. */
function rb(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface VagrantfileInput {
  spec: LabSpec;
  options: VagrantOptions;
  consulVersion: string;
  /** Path inside the VM of the host's consul binary (through the /vagrant synced folder), when usable there. */
  consulFromHost: string | null;
  /** lxc: container names are `${containerPrefix}-n1`…, fixed per lab so leftovers of an interrupted up can be found. */
  containerPrefix?: string;
}

export function provisionScript(consulVersion: string, consulFromHost: string | null): string {
  return `set -e
# Installs Consul: the host's cached binary when the lab shares one (works offline), else the official release.
if [ -n "${consulFromHost ?? ''}" ] && [ -x "${consulFromHost ?? ''}" ]; then
  install -m 0755 "${consulFromHost ?? ''}" /usr/local/bin/consul
elif ! /usr/local/bin/consul version 2>/dev/null | grep -q "v${consulVersion}"; then
  arch=$(dpkg --print-architecture)
  command -v unzip >/dev/null && command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip curl; }
  curl -fsSL -o /tmp/consul.zip "https://releases.hashicorp.com/consul/${consulVersion}/consul_${consulVersion}_linux_$arch.zip"
  unzip -o /tmp/consul.zip consul -d /usr/local/bin
  rm -f /tmp/consul.zip
fi
# Greeter instances run on the VM's node (the lxc box has it already).
command -v node >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs; } || echo 'nodejs could not be installed: Greeter instances cannot run in this VM' >&2
mkdir -p /etc/consul.d
echo 'disable_update_check = true' > /etc/consul.d/00-disable-update-check.hcl
chown -R vagrant:vagrant /etc/consul.d
/usr/local/bin/consul version | head -1
`;
}

export function vagrantfile(input: VagrantfileInput): string {
  const { spec, options } = input;
  const lxc = options.backend === 'lxc';
  const vms = vmNodes(spec);
  const machines = vms
    .map((n) => {
      const v = n.machine;
      const lines = [`  config.vm.define ${rb(v)} do |${v}|`];
      if (lxc) {
        const ssh = lxcSshAddress(spec, n);
        lines.push(
          `    # LXC sets the addresses. vm.hostname would restart ifup@eth0, which fails in this box,\n    # so a provisioner sets the hostname.`,
          `    ${v}.vm.provider :lxc do |lxc|`,
          `      lxc.container_name = ${rb(`${input.containerPrefix ?? 'consul-lab'}-${v}`)}`,
          `      lxc.ssh_ip_addr = ${rb(ssh)}`,
          `      lxc.customize 'apparmor.profile', 'unconfined'`,
          `      lxc.customize 'pty.max', '1024' # ptys for sshd: vagrant ssh, and the agent's session`,
          `      lxc.customize 'net.0.ipv4.address', ${rb(`${ssh}/24`)}`,
          `      lxc.customize 'net.0.ipv4.gateway', '10.0.3.1'`,
          `      # The tutorial's private_network: a second NIC on the host bridge that holds 172.20.20.1/24.`,
          `      lxc.customize 'net.1.type', 'veth'`,
          `      lxc.customize 'net.1.link', ${rb(options.bridge)}`,
          `      lxc.customize 'net.1.flags', 'up'`,
          `      lxc.customize 'net.1.ipv4.address', ${rb(`${n.address}/24`)}`,
          `    end`,
          `    ${v}.vm.provision 'shell', inline: ${rb(`hostname ${v} && echo ${v} > /etc/hostname && (grep -q ' ${v}$' /etc/hosts || echo '127.0.1.1 ${v}' >> /etc/hosts)`)}`,
        );
      } else {
        lines.push(`    ${v}.vm.hostname = ${rb(v)}`, `    ${v}.vm.network 'private_network', ip: ${rb(n.address)}`);
      }
      lines.push('  end');
      return lines.join('\n');
    })
    .join('\n\n');
  return `# -*- mode: ruby -*-
# vi: set ft=ruby :
# The lab's Vagrantfile, generated by Consul Lab from the tutorial's. Edit it freely: Consul Lab does not
# overwrite it (delete it to get a fresh one). Provider: ${options.backend}; box: ${options.box}.

$script = <<'SCRIPT'
${provisionScript(input.consulVersion, input.consulFromHost).trimEnd()}
SCRIPT

Vagrant.configure('2') do |config|
  config.vm.box = ${rb(options.box)}
  config.vm.provision 'shell', inline: $script
${
  lxc
    ? ''
    : `
  config.vm.provider 'virtualbox' do |vb|
    vb.memory = 512
  end
  config.vm.provider 'libvirt' do |lv|
    lv.memory = 512
  end
`
}
${machines}
end
`;
}
