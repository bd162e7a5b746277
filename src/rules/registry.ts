/**
 * The rule list: the one place that says which rules exist. Each category folder has one
 * file per rule and an index that lists them.
 */
import {deviceRules} from './devices/index.js'
import {hostRules} from './host/index.js'
import {networkRules} from './network/index.js'
import {storageRules} from './storage/index.js'
import type {Rule} from './types.js'

export const RULES: readonly Rule[] = [...storageRules, ...deviceRules, ...networkRules, ...hostRules]

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id)
}
