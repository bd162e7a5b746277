import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {RULES} from '../src/rules/registry.js'
import {RULE_CATEGORIES} from '../src/rules/types.js'
import {renderRuleList, ruleListing, type RuleListing} from '../src/report/rules-text.js'

export default class Rules extends BaseCommand {
  static override summary = 'List the preflight rules: stable ids, category, default severity, summary, remedy, source.'
  static override examples = ['<%= config.bin %> rules', '<%= config.bin %> rules --category devices', '<%= config.bin %> rules --json']
  static override flags = {
    category: Flags.string({options: [...RULE_CATEGORIES], summary: 'Only rules of this category.'}),
  }

  async run(): Promise<RuleListing[]> {
    const {flags} = await this.parse(Rules)
    const rules = ruleListing(RULES.filter((r) => !flags.category || r.category === flags.category))
    if (!this.jsonEnabled()) this.log(renderRuleList(rules))
    return rules
  }
}
