/**
 * zmigrate's commands by id (oclif's explicit command discovery) and oclif's runner, in one module:
 * `npm run build` bundles it, with everything it imports, into dist/commands/index.js, so that a
 * start reads and compiles one file instead of some 430 (scripts/bundle.mjs says why).
 */
import Cancel from './cancel.js'
import Check from './check.js'
import Complete from './complete.js'
import Evacuate from './evacuate.js'
import Facts from './facts.js'
import Migrate from './migrate.js'
import Plan from './plan.js'
import ProfileInit from './profile/init.js'
import ProfileShow from './profile/show.js'
import ProfileValidate from './profile/validate.js'
import Return from './return.js'
import Rules from './rules.js'
import Status from './status.js'

export {Config, execute} from '@oclif/core'

export const COMMANDS = {
  cancel: Cancel,
  check: Check,
  complete: Complete,
  evacuate: Evacuate,
  facts: Facts,
  migrate: Migrate,
  plan: Plan,
  return: Return,
  rules: Rules,
  status: Status,
  'profile:init': ProfileInit,
  'profile:show': ProfileShow,
  'profile:validate': ProfileValidate,
}
