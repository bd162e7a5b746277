/**
 * What a disk copy leaves on the source. `--copy-storage-all` copies a disk's image into the one
 * pre-created on the destination; the source keeps its copy forever unless someone removes it.
 * The plan names those images (the report says what was left where), and with the profile's
 * `migration.source-images: remove`, adds one removal step each after verification: only images
 * this migration copies, never a path another guest on the source names. Pure.
 */
import {parseDomainXml} from '../domain/parse.js'
import type {CheckContext} from '../rules/types.js'
import type {ActionOf, CopiedImage} from './types.js'
import {isAbsoluteNormalPath} from './values.js'

/** The file images behind the copied disk targets, with their size on the source when probed. */
export function copiedImages(ctx: CheckContext, copyDisks: readonly string[]): CopiedImage[] {
  const images: CopiedImage[] = []
  for (const target of copyDisks) {
    const disk = ctx.guest.domain.disks.find((d) => d.target.dev === target)
    if (!disk || disk.type !== 'file' || !disk.path || !isAbsoluteNormalPath(disk.path)) continue
    const probe = ctx.sourceProbes.get(disk.path)
    images.push({target, path: disk.path, ...(probe?.sizeBytes !== undefined ? {sizeBytes: probe.sizeBytes} : {})})
  }
  return images
}

/** Paths the other guests defined on the source name (disk sources and declared backing files). */
function pathsOfOtherGuests(ctx: CheckContext): Set<string> {
  const paths = new Set<string>()
  for (const g of ctx.source.guests) {
    if (g.uuid === ctx.guest.domain.uuid) continue
    try {
      for (const d of parseDomainXml(g.xml, g.name).disks) for (const p of [d.path, ...(d.backingFiles ?? [])]) if (p) paths.add(p)
    } catch {
      // a guest whose XML zmigrate cannot read may name anything: keep every image
      return new Set(['*'])
    }
  }
  return paths
}

/** Removal steps for the policy `remove`: after verify, on the source, no undo. */
export function sourceImageRemovals(ctx: CheckContext, images: readonly CopiedImage[]): ActionOf<'remove-copied-image'>[] {
  if (ctx.profile.migration.sourceImages !== 'remove') return []
  const used = pathsOfOtherGuests(ctx)
  return images
    .filter((i) => !used.has('*') && !used.has(i.path))
    .map((image) => ({
      kind: 'remove-copied-image' as const,
      host: 'source' as const,
      image,
      description: `remove ${image.path} on ${ctx.sourceHost.name}, the copy this migration made of ${image.target} (unless a guest there names it or a process holds it open)`,
      commands: [['rm', '-f', '--', image.path]],
    }))
}
