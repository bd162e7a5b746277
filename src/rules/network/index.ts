import type {Rule} from '../types.js'
import {netSourceMissing} from './net-source-missing.js'
import {osaVnicTakeover} from './osa-vnic-takeover.js'

export const networkRules: readonly Rule[] = [netSourceMissing, osaVnicTakeover]
