/**
 * A disk's image as the storage rules and the planner read it: the format its domain XML declares,
 * with a probe's qemu-img facts only when they were read as that format (the probe reads with
 * `-f <declared>`, so they always are; a probe that says otherwise describes another image).
 */
import {declaredImageFormat} from '../domain/image-format.js'
import type {Disk} from '../domain/types.js'
import type {PathProbe} from '../hosts/facts-types.js'

export type ImageInfo = NonNullable<PathProbe['image']>

export function declaredImage(disk: Pick<Disk, 'driver'>, probe: PathProbe | undefined): {format: string; image?: ImageInfo} | {error: string} {
  const declared = declaredImageFormat(disk)
  if ('error' in declared) return declared
  return probe?.image?.format === declared.format ? {format: declared.format, image: probe.image} : {format: declared.format}
}
