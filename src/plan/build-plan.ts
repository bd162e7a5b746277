/**
 * Findings + profile → an ordered plan of reversible steps. Pure: no host is touched here.
 * The plan applies the fixes the action findings propose (rules/fix.ts), whatever rule made them.
 *
 * Order (each step's undo runs in reverse order on failure):
 *   1. prepare the destination: DASD base and alias devices online, images for disk copy
 *   2. detach the devices that block live migration (or that the site detaches) on the source
 *   3. virsh migrate
 *   4. re-attach those devices on the destination, with the destination's identities
 *   5. verify
 */
import {parseXmlFragment, serializeXml} from '../domain/xml-fragment.js'
import {ZmigrateError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {declaredImage} from '../rules/disk-image.js'
import type {CheckContext, Finding} from '../rules/types.js'
import {deviceMoves} from './device-moves.js'
import {proposedFixes} from './fixes.js'
import {findingsFingerprint, sha256, stepsFingerprint} from './fingerprint.js'
import {planPrediction} from './prediction.js'
import {copiedImages, sourceImageRemovals} from './source-images.js'
import {chooseMigrateOptions, migrateArgv} from './migrate-options.js'
import type {DeviceRef, Plan, PlanStep, StepAction} from './types.js'
import {IMAGE_FORMATS, UUID} from './values.js'

export class PlanBlockedError extends ZmigrateError {
  readonly blockers: Finding[]
  /** The guest's UUID, when its XML has one. */
  readonly uuid?: string
  constructor(guest: string, blockers: Finding[], uuid?: string) {
    super(`${guest}: ${blockers.length} blocker${blockers.length === 1 ? '' : 's'} — ${blockers.map((b) => `${b.rule} (${b.subject})`).join('; ')}`, {
      exitCode: ExitCode.BLOCKED,
      code: 'E_BLOCKED',
      remedy: 'Fix the blockers (zmigrate check shows each with its remedy), then plan again.',
    })
    this.blockers = blockers
    this.uuid = uuid
  }
}

export interface PlanInput {
  context: CheckContext
  findings: Finding[]
  toolVersion: string
  now?: Date
}

function withoutAlias(xml: string): string {
  const node = parseXmlFragment(xml)
  return serializeXml({...node, children: node.children.filter((c) => c.name !== 'alias')})
}

function virsh(uri: string, ...args: string[]): string[] {
  return ['virsh', '-c', uri, ...args]
}

export function buildPlan(input: PlanInput): Plan {
  const {context: ctx, findings} = input
  const {guest, sourceHost, destinationHost, profile} = ctx
  const blockers = findings.filter((f) => f.severity === 'blocker')
  if (blockers.length > 0) throw new PlanBlockedError(guest.name, blockers, guest.domain.uuid)

  // steps name the guest by UUID: virsh resolves a bare name as an ID first, then a UUID, then a name
  const uuid = guest.domain.uuid
  if (!uuid || !UUID.test(uuid))
    throw new ZmigrateError(`${guest.name}: the domain XML has no valid <uuid>; zmigrate addresses guests by UUID`, {
      exitCode: ExitCode.BLOCKED,
      code: 'E_PLAN',
    })
  const srcUri = sourceHost.libvirtUri
  const dstUri = destinationHost.libvirtUri
  const steps: PlanStep[] = []
  const add = (slug: string, because: string[], action: StepAction, undo?: StepAction) => {
    steps.push({id: `${String(steps.length + 1).padStart(2, '0')}-${slug}`, because, ...action, ...(undo ? {undo} : {})})
  }

  // 1a. DASD base and alias devices online on the destination (IBM: set both online)
  const dasdOnline = proposedFixes(findings, 'set-dasd-online')
  const busIds = [...new Set(dasdOnline.flatMap(({fix}) => fix.busIds))]
  if (busIds.length > 0) {
    add(
      'set-dasd-online',
      [...new Set(dasdOnline.map(({finding}) => finding.rule))],
      {
        kind: 'set-dasd-online',
        host: 'destination',
        busIds,
        description: `set DASD ${busIds.join(', ')} online on ${destinationHost.name}`,
        commands: [['chzdev', '-e', '-a', 'dasd', busIds.join(',')]],
      },
      {
        kind: 'set-dasd-offline',
        host: 'destination',
        busIds,
        description: `set DASD ${busIds.join(', ')} offline again on ${destinationHost.name}`,
        commands: [['chzdev', '-d', '-a', 'dasd', busIds.join(',')]],
      },
    )
  }

  // 1b. images for disk migration, created empty with the format the XML declares and the virtual
  // size qemu-img read as that format: never a probed format, since a raw image's first bytes are
  // the guest's and could pose as a qcow2 header with any size and backing file
  // (an offline migration moves only the definition: nothing is copied, nothing to create)
  const offline = chooseMigrateOptions({policy: profile.migration, guestState: guest.state, memoryKiB: 0, copyDisks: [], destinationUri: ''}).mode === 'offline'
  const moves = deviceMoves(guest.domain, findings)
  const detachedIndexes = new Set(moves.map((m) => m.device.index))
  const copies = offline ? [] : proposedFixes(findings, 'copy-disk')
  const copyDisks: string[] = []
  for (const {finding, fix} of copies) {
    const {target, path} = fix
    const disk = guest.domain.disks.find((d) => d.target.dev === target)
    if (!disk || detachedIndexes.has(disk.index) || copyDisks.includes(target)) continue
    copyDisks.push(target)
    if (!path || disk.type !== 'file') continue // nvme-backed disks copy into what the destination provides
    const onDestination = ctx.destinationProbes.get(path)
    if (onDestination?.exists) continue // already there: the check blocks an existing image of another shape
    const cannot = (why: string) =>
      new ZmigrateError(`${guest.name}: cannot pre-create ${path} on ${destinationHost.name}: ${why}`, {exitCode: ExitCode.BLOCKED, code: 'E_PLAN'})
    if (!path.startsWith('/')) throw cannot('not an absolute path')
    const declared = declaredImage(disk, ctx.sourceProbes.get(path))
    if ('error' in declared) throw cannot(`its ${declared.error}`)
    const format = IMAGE_FORMATS.find((known) => known === declared.format)
    if (!format) throw cannot(`zmigrate pre-creates ${IMAGE_FORMATS.join(', ')} images, not ${declared.format}`)
    // declaredImage keeps the probe's size only when qemu-img read the image as the declared format
    const virtualSizeBytes = declared.image?.virtualSizeBytes
    if (virtualSizeBytes === undefined) throw cannot(`the size of the image, read as ${format} on ${sourceHost.name}, is unknown`)
    const image = {path, format, virtualSizeBytes}
    add(
      `create-image-${target}`,
      [finding.rule],
      {
        kind: 'create-image',
        host: 'destination',
        image,
        description: `create ${format} image ${path} (${virtualSizeBytes} bytes) on ${destinationHost.name} for the disk copy of ${target}`,
        commands: [['qemu-img', 'create', '-f', format, '--', path, String(virtualSizeBytes)]],
      },
      {
        kind: 'remove-image',
        host: 'destination',
        image,
        description: `remove ${path} on ${destinationHost.name} (created by zmigrate)`,
        commands: [['rm', '-f', '--', path]],
      },
    )
  }

  // Live devices change with --live; a persistent definition keeps them unless --config too, and
  // a stale mdev UUID or PCI address in the destination's persistent definition would break its next start.
  const running = guest.state !== 'shut off'
  const persistentOnSource = ctx.source.guests.find((g) => g.uuid === uuid)?.persistent ?? true
  const sourceScope: ('live' | 'config')[] = [...(running ? ['live' as const] : []), ...(persistentOnSource ? ['config' as const] : [])]
  const scopeArgs = (scope: ('live' | 'config')[]) => scope.map((x) => `--${x}`)

  // 2. detach on the source
  for (const m of moves) {
    const ref: DeviceRef = m.sourceRef
    add(
      `detach-${slug(m.sourceRef.label)}`,
      m.rules,
      {
        kind: 'detach-device',
        host: 'source',
        device: ref,
        scope: sourceScope,
        description: `detach ${ref.label} from ${guest.name} on ${sourceHost.name}`,
        commands: [virsh(srcUri, 'detach-device', '--domain', uuid, ...scopeArgs(sourceScope), '--file', '<device.xml>')],
      },
      {
        kind: 'attach-device',
        host: 'source',
        device: {...ref, xml: withoutAlias(ref.xml)},
        scope: sourceScope,
        description: `re-attach ${ref.label} to ${guest.name} on ${sourceHost.name}`,
        commands: [virsh(srcUri, 'attach-device', '--domain', uuid, ...scopeArgs(sourceScope), '--file', '<device.xml>')],
      },
    )
  }

  // 3. migrate
  const migrate = chooseMigrateOptions({
    policy: profile.migration,
    guestState: guest.state,
    memoryKiB: guest.domain.currentMemoryKiB ?? guest.domain.memoryKiB,
    copyDisks,
    destinationUri: destinationHost.migrationUri,
  })
  // the way back is a rollback and must finish: no limit cancels it (it would leave the guest on the destination anyway)
  const {limits: _limits, ...unlimited} = migrate
  const reverse = {...unlimited, destinationUri: sourceHost.migrationUri, copyDisks: migrate.copyDisks}
  const migrateCommands = [virsh(srcUri, ...migrateArgv(uuid, migrate))]
  if (migrate.maxDowntimeMs !== undefined)
    migrateCommands.push(virsh(srcUri, 'migrate-setmaxdowntime', '--domain', uuid, '--downtime', String(migrate.maxDowntimeMs)))
  add(
    'migrate',
    [...new Set(findings.filter((f) => f.severity === 'action').map((f) => f.rule))],
    {
      kind: 'migrate',
      host: 'source',
      migrate,
      description: `${migrate.mode} migration of ${guest.name} from ${sourceHost.name} to ${destinationHost.name}${copyDisks.length > 0 ? ` copying ${copyDisks.join(', ')}` : ''}`,
      commands: migrateCommands,
    },
    {
      kind: 'migrate',
      host: 'destination',
      migrate: reverse,
      description: `migrate ${guest.name} back from ${destinationHost.name} to ${sourceHost.name}`,
      commands: [virsh(dstUri, ...migrateArgv(uuid, reverse))],
    },
  )

  // 4. re-attach on the destination (a shut-off guest gets them back in its persistent definition)
  const destinationScope: ('live' | 'config')[] = [...(migrate.mode !== 'offline' ? ['live' as const] : []), ...(migrate.persistent ? ['config' as const] : [])]
  for (const m of moves) {
    const ref = m.destinationRef
    add(
      `attach-${slug(ref.label)}`,
      m.rules,
      {
        kind: 'attach-device',
        host: 'destination',
        device: ref,
        scope: destinationScope,
        description: `attach ${ref.label} to ${guest.name} on ${destinationHost.name}${ref.xml === withoutAlias(m.sourceRef.xml) ? '' : ' with its identity there'}`,
        commands: [virsh(dstUri, 'attach-device', '--domain', uuid, ...scopeArgs(destinationScope), '--file', '<device.xml>')],
      },
      {
        kind: 'detach-device',
        host: 'destination',
        device: ref,
        scope: destinationScope,
        description: `detach ${ref.label} from ${guest.name} on ${destinationHost.name}`,
        commands: [virsh(dstUri, 'detach-device', '--domain', uuid, ...scopeArgs(destinationScope), '--file', '<device.xml>')],
      },
    )
  }

  // 5. verify
  const expectState = migrate.mode === 'offline' ? 'shut off' : migrate.suspend || guest.state === 'paused' ? 'paused' : 'running'
  add('verify', [], {
    kind: 'verify',
    host: 'destination',
    description: `verify ${guest.name} is ${expectState} on ${destinationHost.name}, ${migrate.undefineSource ? 'gone from' : 'shut off on'} ${sourceHost.name}${moves.length > 0 ? `, with ${moves.length} re-attached device${moves.length === 1 ? '' : 's'}` : ''}`,
    commands: [virsh(dstUri, 'domstate', '--domain', uuid), virsh(dstUri, 'dumpxml', '--domain', uuid)],
    expect: {
      guestOn: 'destination',
      state: expectState,
      sourceState: migrate.undefineSource ? 'absent' : 'shut off',
      devices: moves.map((m) => m.destinationRef),
    },
  })

  // 6. after verification, what the copy left on the source (profile migration.source-images)
  const images = copiedImages(ctx, migrate.copyDisks)
  for (const removal of sourceImageRemovals(ctx, images)) add(`remove-source-copy-${removal.image.target}`, [], removal)
  const prediction = planPrediction(ctx, migrate)

  return {
    formatVersion: 1,
    tool: {name: 'zmigrate', version: input.toolVersion},
    createdAt: (input.now ?? new Date()).toISOString(),
    profile: {site: profile.site, file: profile.file},
    guest: {name: guest.name, uuid, state: guest.state, memoryKiB: guest.domain.currentMemoryKiB ?? guest.domain.memoryKiB},
    source: {host: sourceHost.name, hostUuid: ctx.source.hostUuid},
    destination: {host: destinationHost.name, hostUuid: ctx.destination.hostUuid},
    fingerprints: {domainXml: sha256(guest.domain.xml), findings: findingsFingerprint(findings), steps: stepsFingerprint(steps), profile: profile.sha256},
    findings,
    steps,
    ...(images.length > 0 ? {copiedImages: images} : {}),
    ...(prediction ? {prediction} : {}),
  }
}

/** 'disk vdb (/var/lib/…/x.img)' → 'disk-vdb': the device's name without its source, for step ids. */
function slug(label: string): string {
  return label
    .replace(/\s*\(.*\)\s*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40)
}
