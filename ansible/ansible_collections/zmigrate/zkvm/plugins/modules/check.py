#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: zmigrate contributors
# Apache License 2.0 (see the LICENSE of the zmigrate repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: check
short_description: Report every blocker for migrating KVM guests between IBM Z hosts (zmigrate check)
version_added: 0.1.0
description:
  - Runs C(zmigrate check --json) - every rule for every guest, never stopping at the first problem - and
    returns the findings per guest and destination, each with its stable rule id and remedy.
  - One destination (I(to) a single host) gives zmigrate's C(check.json) document; several, or C(site)
    (every other host of the profile), its readiness matrix C(check-site.json). Both are returned as
    the same list, C(readiness), one entry per guest and destination.
  - Read-only - never C(changed), and it runs the same in check mode.
  - Blockers are a result, not a failure, unless I(fail_on_blocker). A host that cannot be reached (exit 3),
    or a usage or profile error (exit 2), fails.
options:
  guests:
    description: Guest names on the source host.
    type: list
    elements: str
    default: []
    aliases: [name, guest]
  all:
    description: Check every guest on the source host (C(--all)).
    type: bool
    default: false
  domain_xml:
    description: Check this domain XML file (on the host the module runs on) instead of, or as well as, guests on the source.
    type: path
  from:
    description: The source host (a host of the profile).
    type: str
    required: true
    aliases: [source]
  to:
    description:
      - Destination host(s), or C(site) for every other host of the profile.
      - One host gives a one-destination check; several, or C(site), the readiness matrix.
    type: list
    elements: str
    required: true
    aliases: [destination, destinations]
  fail_on_blocker:
    description:
      - Fail when zmigrate reports a blocker (exit 1). With several destinations, zmigrate reports one only
        when a guest has no destination without a blocker.
    type: bool
    default: false
extends_documentation_fragment:
  - zmigrate.zkvm.common
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
seealso:
  - module: zmigrate.zkvm.guest
author:
  - zmigrate contributors
"""

EXAMPLES = r"""
- name: Can zdemo go from zhost-a to zhost-b?
  zmigrate.zkvm.check:
    guests: [zdemo]
    from: zhost-a
    to: zhost-b
  register: readiness

- name: Every guest of zlpar1 against every other host of the site; fail when one has nowhere to go
  zmigrate.zkvm.check:
    all: true
    from: zlpar1
    to: site
    fail_on_blocker: true

- name: The guests blocked somewhere, with the rules that block them
  ansible.builtin.debug:
    msg: "{{ item.guest }} -> {{ item.destination }}: {{ item.blockers | join(', ') }}"
  loop: "{{ readiness.readiness | selectattr('status', 'equalto', 'blocked') }}"
"""

RETURN = r"""
ok:
  description:
    - zmigrate's verdict - one destination, no guest has a blocker; several, every guest has a destination without one.
  returned: success
  type: bool
  sample: true
readiness:
  description: One entry per guest and destination.
  returned: success
  type: list
  elements: dict
  contains:
    guest:
      description: The guest's name.
      type: str
    uuid:
      description: The guest's UUID (several destinations only).
      type: str
    destination:
      description: The destination host.
      type: str
    status:
      description: C(ok) (nothing to prepare), C(actions) (the plan prepares everything found) or C(blocked).
      type: str
    blockers:
      description: Ids of the rules with a blocker finding, each once.
      type: list
      elements: str
    counts:
      description: Findings per severity (C(blocker), C(action), C(warning), C(info)).
      type: dict
    findings:
      description: Every finding (C(rule), C(category), C(severity), C(subject), C(message), C(remedy), optional C(fix), C(override), C(data)).
      type: list
      elements: dict
  sample: [{guest: zdemo, destination: zhost-b, status: actions, blockers: [], counts: {blocker: 0, action: 2, warning: 0, info: 1}}]
blocked:
  description: The guests that cannot move (one destination - a blocker there; several - a blocker everywhere).
  returned: success
  type: list
  elements: str
destinations:
  description: Several destinations - each with C(name), C(reachable) and, when it could not be reached, C(error).
  returned: success, with several destinations
  type: list
  elements: dict
report:
  description: zmigrate's document as printed (C(schemas/check.json) or C(schemas/check-site.json)).
  returned: success
  type: dict
rc:
  description: zmigrate's exit code (0 no blocker, 1 blockers, 2 usage, 3 unreachable).
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
  description: zmigrate's error (C(code), C(message), C(remedy), C(exitCode)) when the check could not run.
  returned: on failure
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zmigrate.zkvm.plugins.module_utils.cli import (
    OK,
    BLOCKED,
    ZMIGRATE_ARGUMENT_SPEC,
    Zmigrate,
    blocker_findings,
    unique,
)


def one_destination(report):
    """check.json: one entry per guest; the status as the site check computes it (src/app/check-site.ts)."""
    rows = []
    for g in report.get('guests', []):
        findings = g.get('findings', [])
        blockers = unique([f['rule'] for f in blocker_findings(findings)])
        status = 'blocked' if blockers else 'actions' if any(f.get('severity') == 'action' for f in findings) else 'ok'
        rows.append(dict(guest=g.get('name'), destination=report.get('to'), status=status, blockers=blockers, counts=g.get('counts'), findings=findings))
    blocked = [g.get('name') for g in report.get('guests', []) if not g.get('migratable')]
    return rows, blocked


def several_destinations(report):
    """check-site.json: one entry per guest and destination, as zmigrate gives them."""
    rows = []
    for g in report.get('guests', []):
        for p in g.get('pairs', []):
            rows.append(
                dict(
                    guest=g.get('name'),
                    uuid=g.get('uuid'),
                    destination=p.get('destination'),
                    status=p.get('status'),
                    blockers=p.get('blockers', []),
                    counts=p.get('counts'),
                    findings=p.get('findings', []),
                )
            )
    blocked = [g.get('name') for g in report.get('guests', []) if not g.get('movable')]
    return rows, blocked


def main():
    argument_spec = dict(
        guests=dict(type='list', elements='str', default=[], aliases=['name', 'guest']),
        all=dict(type='bool', default=False),
        domain_xml=dict(type='path'),
        to=dict(type='list', elements='str', required=True, aliases=['destination', 'destinations']),
        fail_on_blocker=dict(type='bool', default=False),
        **{'from': dict(type='str', required=True, aliases=['source'])}
    )
    argument_spec.update(ZMIGRATE_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    if not (p['guests'] or p['all'] or p['domain_xml']):
        module.fail_json(msg='name guests, or set all or domain_xml')

    zm = Zmigrate(module)
    args = ['check', '--from', p['from'], '--to', ','.join(t.strip() for t in p['to'])]
    if p['all']:
        args.append('--all')
    if p['domain_xml']:
        args += ['--domain-xml', p['domain_xml']]
    result = zm.run(args, positional=p['guests'])
    report = result.doc
    if result.rc not in (OK, BLOCKED) or not isinstance(report, dict) or 'guests' not in report:
        zm.fail(result, 'zmigrate check')

    # check-site.json has destinations; check.json has one `to`
    site = 'destinations' in report
    rows, blocked = several_destinations(report) if site else one_destination(report)
    fields = dict(ok=report.get('ok'), readiness=rows, blocked=blocked, report=report)
    fields.update(result.facts())
    if site:
        fields['destinations'] = [dict((k, d[k]) for k in ('name', 'reachable', 'error') if k in d) for d in report['destinations']]
    if result.rc == BLOCKED and p['fail_on_blocker']:
        detail = '; '.join('%s -> %s: %s' % (r['guest'], r['destination'], ', '.join(r['blockers'])) for r in rows if r['blockers'])
        module.fail_json(msg='%s cannot move: %s' % (', '.join(blocked), detail), changed=False, **fields)
    module.exit_json(changed=False, **fields)


if __name__ == '__main__':
    main()
