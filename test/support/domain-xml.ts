import {parseDomainXml} from '../../src/domain/parse.js'
import type {DomainModel} from '../../src/domain/types.js'

export interface GuestXmlOptions {
  name?: string
  memoryMiB?: number
  vcpus?: number
  machine?: string
  type?: string
  /** Extra XML placed before <devices> (cpu, memoryBacking, numatune, iothreads, launchSecurity…). */
  head?: string
  /** Extra XML inside <os> after <type> (kernel, initrd, cmdline, loader, nvram). */
  os?: string
}

/** A realistic s390x KVM guest document around the given `<devices>` content. */
export function guestXml(devices: string, opts: GuestXmlOptions = {}): string {
  return `<domain type='${opts.type ?? 'kvm'}'>
  <name>${opts.name ?? 'linux01'}</name>
  <uuid>0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a01</uuid>
  <memory unit='MiB'>${opts.memoryMiB ?? 4096}</memory>
  <currentMemory unit='MiB'>${opts.memoryMiB ?? 4096}</currentMemory>
  <vcpu placement='static'>${opts.vcpus ?? 2}</vcpu>
  <os>
    <type arch='s390x' machine='${opts.machine ?? 's390-ccw-virtio-7.2'}'>hvm</type>
    ${opts.os ?? ''}
  </os>
  ${opts.head ?? ''}
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>preserve</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-s390x</emulator>
    ${devices}
    <console type='pty'><target type='sclp' port='0'/></console>
  </devices>
</domain>`
}

export function guest(devices: string, opts: GuestXmlOptions = {}): DomainModel {
  return parseDomainXml(guestXml(devices, opts), 'test')
}

/** A DASD block disk as IBM's example configures it. */
export function dasdDisk(source: string, target = 'vda', devno = '0x7500', extraDriver = ''): string {
  return `<disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'${extraDriver}/>
      <source dev='${source}'/>
      <target dev='${target}' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='${devno}'/>
    </disk>`
}
