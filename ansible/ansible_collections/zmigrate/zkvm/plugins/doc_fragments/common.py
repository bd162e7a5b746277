# -*- coding: utf-8 -*-
# Copyright: zmigrate contributors
# Apache License 2.0 (see the LICENSE of the zmigrate repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options every zmigrate.zkvm module takes: where the CLI is, which site profile, which data dir.
    DOCUMENTATION = r"""
options:
  zmigrate_path:
    description:
      - The zmigrate executable. A bare name is looked up on C(PATH) of the host the module runs on
        (the controller, or the jump host the task is delegated to); a path is used as given.
    type: str
    default: zmigrate
  profile:
    description:
      - The site profile, a YAML file or a name (C(--profile FILE|NAME)). Give a file as an absolute path (or C(~/...));
        a relative one would be taken from the directory the module happens to run in.
      - Unset, zmigrate finds one itself (C(ZMIGRATE_PROFILE), C(~/.config/zmigrate/profiles/default.yaml),
        C(/etc/zmigrate/profiles/default.yaml), then its embedded lab profile), on the host the module runs on.
    type: str
  data_dir:
    description:
      - zmigrate's data directory (journals, evacuation journals, guest locks), as C(ZMIGRATE_DATA_DIR).
      - Unset, C($XDG_DATA_HOME/zmigrate) of the user the module runs as. Runs that must see each other's
        locks and journals (an evacuation and the return that undoes it) need the same one.
    type: path
notes:
  - The module runs the zmigrate CLI with C(--json) and an argument list (no shell), and reads only its JSON
    documents (for C(migrate), C(evacuate) and C(return) the last line of the NDJSON stream). It never parses
    zmigrate's human output.
  - zmigrate's exit codes are mapped as the CLI documents them - 0 done, 1 blocked or rolled back, 2 usage or
    profile error, 3 host unreachable, 4 rollback needs a human, 5 stale plan, 6 guest locked by another run,
    70 internal error, 130 interrupted; every result carries C(rc) and C(exit_meaning).
requirements:
  - zmigrate (Node.js 20.19 or later) on the host the module runs on, with SSH access to the profile's hosts.
"""
