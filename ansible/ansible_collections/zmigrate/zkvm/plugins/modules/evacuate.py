#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: zmigrate contributors
# Apache License 2.0 (see the LICENSE of the zmigrate repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: evacuate
short_description: Drain an IBM Z KVM host across the site, or bring its guests home (zmigrate evacuate / return)
version_added: 0.1.0
description:
  - I(state=evacuated) empties I(host) - C(zmigrate evacuate HOST --to ... --yes --json) checks every guest of the
    host against every candidate, places each within the profile's relocation domains, pins, anti-affinity and
    reserve, and migrates them in a rolling window within zmigrate's concurrency limits (I(max), I(outgoing),
    I(incoming), or the profile's C(concurrency)).
  - I(state=returned) brings back what the newest evacuation of I(host) moved (or I(evacuation)) -
    C(zmigrate return HOST --yes --json).
  - C(changed) is true when at least one guest moved (or, failing, may have). An empty host, or one whose guests
    are all home already, is C(changed=false).
  - In check mode the module runs the same command with C(--dry-run) - the placement, or who would go home - and
    changes nothing; C(changed) says whether a guest would move.
  - A guest that stays (nowhere to go, blocked, rolled back, or unable to come home) fails the task unless
    I(fail_on_stay=false); a rollback that needs a human (exit 4) or an interruption (130) always fails.
  - One task runs the whole window; do not also fan out over the same host with forks (see the collection README).
options:
  host:
    description: The host to empty (I(state=evacuated)) or the home to bring guests back to (I(state=returned)).
    type: str
    required: true
  state:
    description: C(evacuated) runs C(zmigrate evacuate); C(returned) runs C(zmigrate return).
    type: str
    choices: [evacuated, returned]
    default: evacuated
  to:
    description:
      - Candidate destinations for I(state=evacuated) (C(--to)); C(site), the default, is every other host of the profile.
    type: list
    elements: str
    default: [site]
  evacuation:
    description: For I(state=returned) - the evacuation journal to undo (C(--evacuation)); default the newest evacuation of I(host).
    type: path
  max:
    description: At most this many migrations at once on the site (C(--max), over the profile's C(concurrency.site)).
    type: int
  outgoing:
    description: At most this many leaving one host at once (C(--outgoing)).
    type: int
  incoming:
    description: At most this many arriving at one host at once (C(--incoming)).
    type: int
  fail_on_stay:
    description:
      - Fail when a guest stays - placement found nowhere for it, it was blocked or rolled back, or (return) it
        cannot come home (C(gone), C(not-found), C(blocked), ...).
      - With C(false), such guests are only reported (C(stayed)); a rollback that needs a human still fails.
    type: bool
    default: true
extends_documentation_fragment:
  - zmigrate.zkvm.common
attributes:
  check_mode:
    support: full
    description: Runs with C(--dry-run) - the placement (or the return verdicts), nothing changed.
  diff_mode:
    support: full
    description: Each guest's host before and after.
seealso:
  - module: zmigrate.zkvm.guest
author:
  - zmigrate contributors
"""

EXAMPLES = r"""
- name: Drain zlpar1 for maintenance (the window, not forks, decides how many move at once)
  zmigrate.zkvm.evacuate:
    host: zlpar1
    to: site
    max: 3
  register: drained

- name: Maintenance
  ansible.builtin.reboot:
  delegate_to: zlpar1

- name: And bring its guests home
  zmigrate.zkvm.evacuate:
    host: zlpar1
    state: returned
"""

RETURN = r"""
moved:
  description: The guests that moved (or would, in check mode) - C(guest), C(uuid), C(from), C(to).
  returned: always
  type: list
  elements: dict
  sample: [{guest: zdemo, uuid: 3c3c3c3c-2222-4222-8333-00000000d3e0, from: zhost-a, to: zhost-b}]
stayed:
  description: The guests that stayed, with C(guest), C(reasons) (and C(code), C(outcome) where zmigrate gives them).
  returned: always
  type: list
  elements: dict
home:
  description: I(state=returned) - the guests that are home already.
  returned: with state=returned
  type: list
  elements: str
report:
  description: zmigrate's evacuation report (C(schemas/evacuate.json)) - per guest home, destination, order, outcome, journal; the stays; the peak at once.
  returned: when migrations ran
  type: dict
placements:
  description: I(state=evacuated), when nothing ran (check mode, or nothing to move) - where each guest would go, or why it cannot.
  returned: when no migration ran
  type: list
  elements: dict
verdicts:
  description: I(state=returned), when nothing ran - per guest C(return), C(home) or C(stays) with a reason code.
  returned: when no migration ran
  type: list
  elements: dict
journal:
  description: The evacuation journal (C(zmigrate evacuate --resume JOURNAL)).
  returned: when migrations ran
  type: str
rc:
  description: zmigrate's exit code.
  returned: always
  type: int
exit_meaning:
  description: What that exit code means.
  returned: always
  type: str
cmd:
  description: The zmigrate argv.
  returned: always
  type: list
  elements: str
zmigrate_error:
  description: zmigrate's error (C(code), C(message), C(remedy), C(exitCode)) when the command failed with one.
  returned: on failure
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zmigrate.zkvm.plugins.module_utils.cli import (
    OK,
    BLOCKED,
    INTERRUPTED,
    ROLLBACK_INCOMPLETE,
    ZMIGRATE_ARGUMENT_SPEC,
    Zmigrate,
)

# evacuation guest outcomes (schemas/evacuate.json) after which the guest is no longer where it was
MOVED_OR_MAYBE = ('migrated', 'running', 'rollback-incomplete', 'interrupted')
# outcomes of a guest that stayed where it was, the host not emptied of it
STAYED = ('blocked', 'stale', 'rolled-back', 'not-attempted', 'pending')


def diff_of(moves):
    # a returning guest's report names its home, not where it came back from
    before = ''.join('%s: %s\n' % (m['guest'], m['from'] or '(elsewhere)') for m in moves)
    after = ''.join('%s: %s\n' % (m['guest'], m['to']) for m in moves)
    return dict(before_header='guests', after_header='guests', before=before, after=after)


def from_placements(placements):
    moved = [dict(guest=p['guest'], uuid=p.get('uuid'), to=p['destination'], **{'from': p['source']}) for p in placements if p.get('kind') == 'placed']
    stayed = [
        dict(
            guest=p['guest'],
            uuid=p.get('uuid'),
            reasons=['%s: %s' % (r.get('destination'), '; '.join(x.get('message', x.get('code', '')) for x in r.get('reasons', []))) for r in p.get('nowhere', [])],
        )
        for p in placements
        if p.get('kind') == 'nowhere'
    ]
    return moved, stayed, []


def from_verdicts(verdicts):
    moved = [dict(guest=v['guest'], uuid=v.get('uuid'), to=v['home'], **{'from': v.get('from')}) for v in verdicts if v.get('kind') == 'return']
    stayed = [dict(guest=v['guest'], uuid=v.get('uuid'), code=v.get('code'), reasons=v.get('reasons', [])) for v in verdicts if v.get('kind') == 'stays']
    home = [v['guest'] for v in verdicts if v.get('kind') == 'home']
    return moved, stayed, home


def from_report(report, host, purpose):
    """An evacuation report: who moved, who stayed (with the reasons), from the guests' outcomes."""
    moved, stayed = [], []
    for g in report.get('guests', []):
        source = g.get('home') if purpose == 'evacuate' else None
        entry = dict(guest=g['name'], uuid=g.get('uuid'), to=g.get('destination'), outcome=g.get('outcome'), **{'from': source})
        if g.get('journal'):
            entry['journal'] = g['journal']
        if g.get('outcome') in MOVED_OR_MAYBE:
            moved.append(entry)
        else:
            stayed.append(dict(guest=g['name'], uuid=g.get('uuid'), outcome=g.get('outcome'), reasons=[g['reason']] if g.get('reason') else []))
    for s in report.get('stays', []):
        stayed.append(dict(guest=s['name'], reasons=s.get('reasons', [])))
    return moved, stayed


def describe_stays(stayed):
    return '; '.join('%s (%s)' % (s['guest'], ' / '.join(s.get('reasons') or [s.get('code') or s.get('outcome') or 'stays'])) for s in stayed)


def main():
    argument_spec = dict(
        host=dict(type='str', required=True),
        state=dict(type='str', choices=['evacuated', 'returned'], default='evacuated'),
        to=dict(type='list', elements='str', default=['site']),
        evacuation=dict(type='path'),
        max=dict(type='int'),
        outgoing=dict(type='int'),
        incoming=dict(type='int'),
        fail_on_stay=dict(type='bool', default=True),
    )
    argument_spec.update(ZMIGRATE_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    evacuate = p['state'] == 'evacuated'
    if p['evacuation'] and evacuate:
        module.fail_json(msg='evacuation names the evacuation to undo: it goes with state=returned')

    zm = Zmigrate(module)
    command = 'evacuate' if evacuate else 'return'
    args = [command]
    if evacuate:
        args += ['--to', ','.join(t.strip() for t in p['to'])]
    elif p['evacuation']:
        args += ['--evacuation', p['evacuation']]
    for cap in ('max', 'outgoing', 'incoming'):
        if p[cap] is not None:
            args += ['--%s' % cap, p[cap]]
    args.append('--dry-run' if module.check_mode else '--yes')
    result = zm.run(args, positional=[p['host']], ndjson=True)
    doc = result.doc if isinstance(result.doc, dict) else {}
    what = 'zmigrate %s %s' % (command, p['host'])

    if 'formatVersion' in doc and 'guests' in doc:
        # migrations ran: the evacuation report decides
        moved, stayed = from_report(doc, p['host'], doc.get('purpose', 'evacuate'))
        fields = dict(moved=moved, stayed=stayed, report=doc, journal=doc.get('journal'), diff=diff_of(moved))
        fields.update(result.facts())
        changed = len(moved) > 0
        if result.rc == ROLLBACK_INCOMPLETE:
            needs = [m for m in moved if m.get('outcome') == 'rollback-incomplete']
            module.fail_json(
                msg='%s: the rollback of %s needs a human - what to do is in each guest\'s journal (%s); new migrations were not started' % (
                    what,
                    ', '.join(m['guest'] for m in needs) or 'a guest',
                    ', '.join(m.get('journal', '?') for m in needs),
                ),
                changed=True,
                **fields
            )
        if result.rc == INTERRUPTED:
            module.fail_json(msg='%s was interrupted; continue it with: zmigrate %s --resume %s' % (what, command, doc.get('journal')), changed=changed, **fields)
        if stayed and (p['fail_on_stay'] or result.rc not in (OK, BLOCKED)):
            module.fail_json(msg='%s: %d guest%s stayed: %s' % (what, len(stayed), '' if len(stayed) == 1 else 's', describe_stays(stayed)), changed=changed, **fields)
        if result.rc not in (OK, BLOCKED):
            zm.fail(result, what, changed=changed, **fields)
        module.exit_json(changed=changed, **fields)

    if result.rc == OK and ('placements' in doc or 'verdicts' in doc):
        # a dry run (check mode), or nothing to confirm: nothing changed
        if 'placements' in doc:
            moved, stayed, home = from_placements(doc['placements'])
            fields = dict(placements=doc['placements'])
        else:
            moved, stayed, home = from_verdicts(doc['verdicts'])
            fields = dict(verdicts=doc['verdicts'], home=home)
        fields.update(moved=moved if module.check_mode else [], stayed=stayed)
        fields.update(result.facts())
        if module.check_mode:
            fields['diff'] = diff_of(moved)
        # outside check mode, zmigrate asks nothing (and so moves nothing) when no guest can go anywhere
        if stayed and p['fail_on_stay']:
            module.fail_json(
                msg='%s: %d guest%s %s: %s' % (
                    what,
                    len(stayed),
                    '' if len(stayed) == 1 else 's',
                    'would stay' if module.check_mode else 'cannot move, so nothing moved',
                    describe_stays(stayed),
                ),
                changed=False,
                **fields
            )
        module.exit_json(changed=module.check_mode and len(moved) > 0, **fields)

    zm.fail(result, what)


if __name__ == '__main__':
    main()
