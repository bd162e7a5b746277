#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: zmigrate contributors
# Apache License 2.0 (see the LICENSE of the zmigrate repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: guest
short_description: Make a KVM guest run on an IBM Z host, migrating it there with zmigrate
version_added: 0.1.0
description:
  - Desired state - the guest I(name) runs on the host I(host), a host of the zmigrate site profile.
  - The module first finds where the guest is. With I(from), it reads I(from) and I(host); without, the
    destination first, then every other host of the profile (C(zmigrate profile show --json)). Each host is
    read with C(zmigrate facts HOST --json), one round trip, and the guest is matched by name or by UUID.
    The copy that is active (any state but shut off) is the guest; a shut-off definition elsewhere is a
    leftover (a migration without C(--undefinesource)). Once found, the guest is addressed by the name it
    has on its source, and the result carries its UUID.
  - A guest already on I(host) is left alone, C(changed=false).
  - A guest elsewhere is moved with C(zmigrate migrate NAME --from SOURCE --to HOST --yes --json) - check,
    plan, prepare the destination, detach, C(virsh migrate), re-attach, verify, journaled, rolled back on failure.
  - In check mode the module runs C(zmigrate plan NAME --from SOURCE --to HOST --json) instead, which reads the
    hosts and changes nothing, and reports C(changed) when the plan has steps.
  - A guest with blockers fails with their rule ids (C(blockers)) and findings, read from C(zmigrate check --json).
  - A migration that failed and was rolled back fails with C(changed=false); one whose rollback needs a human
    (exit 4) fails with C(changed=true) and the report's instructions in C(manual).
options:
  name:
    description:
      - The guest's libvirt name, or its UUID.
    type: str
    required: true
    aliases: [guest]
  host:
    description:
      - The host the guest must run on (a host name of the profile, as C(--to) takes it).
    type: str
    required: true
    aliases: [to]
  from:
    description:
      - The host the guest runs on now, when known. Unset, every host of the profile is read to find it.
      - A guest found on I(host) rather than here is left alone (idempotence).
    type: str
    aliases: [source]
extends_documentation_fragment:
  - zmigrate.zkvm.common
attributes:
  check_mode:
    support: full
    description: Computes the plan (C(zmigrate plan)), which reads both hosts and changes neither.
  diff_mode:
    support: full
    description: The guest's host before and after.
seealso:
  - module: zmigrate.zkvm.check
  - module: zmigrate.zkvm.evacuate
author:
  - zmigrate contributors
"""

EXAMPLES = r"""
- name: zdemo runs on zhost-b
  zmigrate.zkvm.guest:
    name: zdemo
    host: zhost-b

- name: Move linux07 from zlpar1 to zlpar2 with a site profile
  zmigrate.zkvm.guest:
    name: linux07
    from: zlpar1
    host: zlpar2
    profile: /etc/zmigrate/profiles/dc1.yaml
  register: moved

- name: Say which rules block a guest, without failing the play
  zmigrate.zkvm.guest:
    name: 3c3c3c3c-2222-4222-8333-00000000d3e0
    host: zlpar3
  register: attempt
  failed_when: false

- ansible.builtin.debug:
    msg: "blocked by {{ attempt.blockers | join(', ') }}"
  when: attempt.blockers | default([]) | length > 0

- name: From a jump host of the site, as one task per guest (zmigrate runs there, not on the LPARs)
  zmigrate.zkvm.guest:
    name: "{{ item }}"
    host: zlpar2
  loop: "{{ guests_to_move }}"
  delegate_to: jump-dc1
"""

RETURN = r"""
guest:
  description: The guest's name (on its source, for a guest that moved).
  returned: when the guest was found
  type: str
  sample: zdemo
uuid:
  description: The guest's libvirt UUID.
  returned: when the guest was found
  type: str
  sample: 3c3c3c3c-2222-4222-8333-00000000d3e0
host:
  description: The host the guest is on after the task (in check mode, still its source).
  returned: when the guest was found
  type: str
  sample: zhost-b
source:
  description: The host the guest was found on before the task.
  returned: when the guest was found
  type: str
  sample: zhost-a
destination:
  description: The host the guest must run on (I(host)).
  returned: always
  type: str
  sample: zhost-b
state:
  description: The guest's libvirt state where it was found (running, paused, shut off, ...).
  returned: when the guest was found
  type: str
  sample: running
plan:
  description:
    - Check mode - the plan zmigrate would apply, its steps (C(id), C(kind), C(host), C(description)) and
      its findings. The full plan file format is zmigrate's C(schemas/plan.json).
  returned: check mode, when the guest would move
  type: dict
  sample: {steps: [{id: 02-detach-disk-vdb, kind: detach-device, host: source, description: detach disk vdb from zdemo on zhost-a}]}
report:
  description: zmigrate's migration report (C(schemas/migrate.json)) - outcome, every step and undo with its state, journal, manual.
  returned: when a migration ran
  type: dict
journal:
  description: The migration's journal file (C(zmigrate migrate --resume JOURNAL)).
  returned: when a migration ran
  type: str
blockers:
  description: Ids of the rules with a blocker finding, each once (stable ids, C(zmigrate rules)).
  returned: when the guest is blocked
  type: list
  elements: str
  sample: [disk-copy-destination]
findings:
  description: The blocker findings (C(rule), C(category), C(severity), C(subject), C(message), C(remedy)), from C(zmigrate check --json).
  returned: when the guest is blocked
  type: list
  elements: dict
manual:
  description: What a human must do after a rollback that could not finish (the report's C(manual)).
  returned: when the rollback is incomplete
  type: list
  elements: str
unreachable:
  description: Hosts that could not be read while looking for the guest, with zmigrate's error.
  returned: when a host could not be read
  type: list
  elements: dict
rc:
  description: zmigrate's exit code of the last command the module ran.
  returned: always
  type: int
  sample: 0
exit_meaning:
  description: What that exit code means (zmigrate's exit code table).
  returned: always
  type: str
cmd:
  description: The argv of the last zmigrate command.
  returned: always
  type: list
  elements: str
zmigrate_error:
  description: zmigrate's error (C(code), C(message), C(remedy), C(exitCode)) when a command failed with one.
  returned: on failure
  type: dict
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zmigrate.zkvm.plugins.module_utils.cli import (
    OK,
    BLOCKED,
    ROLLBACK_INCOMPLETE,
    UNREACHABLE,
    ZMIGRATE_ARGUMENT_SPEC,
    Zmigrate,
    blocker_findings,
    describe_blockers,
    is_active,
    unique,
)

UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def matches(guest, name):
    if guest.get('name') == name:
        return True
    return bool(UUID.match(name)) and (guest.get('uuid') or '').lower() == name.lower()


def locate(copies, destination):
    """
    Where the guest is, from its copies ({host, name, uuid, state}) on the hosts read: ('here', copy),
    ('move', copy), ('missing', None) or ('ambiguous', reason). The active copy is the guest.
    """
    uuids = unique([c['uuid'] for c in copies])
    if len(uuids) > 1:
        return 'ambiguous', 'the name is used by %d different guests (%s): name the guest by its UUID' % (
            len(uuids),
            ', '.join('%s on %s' % (c['uuid'], c['host']) for c in copies),
        )
    active = [c for c in copies if is_active(c['state'])]
    if len(active) > 1:
        return 'ambiguous', 'active on %s: find which copy is current before moving either' % ' and '.join(
            '%s (%s)' % (c['host'], c['state']) for c in active
        )
    if active:
        return ('here' if active[0]['host'] == destination else 'move'), active[0]
    on_destination = [c for c in copies if c['host'] == destination]
    if on_destination:
        return 'here', on_destination[0]
    if len(copies) == 1:
        return 'move', copies[0]
    if not copies:
        return 'missing', None
    return 'ambiguous', 'shut off and defined on %s: say which is its source with from' % ', '.join(c['host'] for c in copies)


class GuestTask(object):
    def __init__(self, module):
        self.module = module
        self.zm = Zmigrate(module)
        self.name = module.params['name']
        self.destination = module.params['host']
        self.source = module.params['from']
        self.unreachable = []
        self.last = None

    def common(self, **extra):
        fields = dict(destination=self.destination)
        if self.last is not None:
            fields.update(self.last.facts())
        if self.unreachable:
            fields['unreachable'] = self.unreachable
        fields.update(extra)
        return fields

    def hosts_to_read(self):
        if self.source:
            return unique([self.destination, self.source])
        hosts = self.zm.profile_hosts()
        if self.destination not in hosts:
            self.module.fail_json(
                msg='host %s is not a host of the profile (%s)' % (self.destination, ', '.join(hosts)), **self.common()
            )
        return [self.destination] + [h for h in hosts if h != self.destination]

    def read(self, host):
        """The guest's copies on one host, or None when the host could not be read (recorded)."""
        result = self.zm.run(['facts'], positional=[host])
        self.last = result
        facts = result.doc
        if result.rc == UNREACHABLE or (result.rc == OK and isinstance(facts, dict) and not facts.get('libvirt', {}).get('reachable', True)):
            # facts reads a host whose libvirt does not answer (exit 0, libvirt.reachable false): no guest can be seen there
            error = result.error or {
                'code': 'E_LIBVIRT_UNREACHABLE',
                'message': '%s: libvirt is unreachable: %s' % (host, (facts or {}).get('libvirt', {}).get('error', 'no answer')),
            }
            if host == self.destination:
                self.zm.fail(
                    result,
                    'cannot read the destination %s' % host,
                    msg=None if result.error else 'cannot read the destination %s: %s' % (host, error['message']),
                    **self.common(zmigrate_error=error)
                )
            self.unreachable.append(dict(host=host, code=error.get('code'), message=error.get('message')))
            return None
        if result.rc != OK or not isinstance(facts, dict) or not isinstance(facts.get('guests'), list):
            self.zm.fail(result, 'zmigrate facts %s' % host, **self.common())
        return [
            dict(host=host, name=g.get('name'), uuid=g.get('uuid'), state=g.get('state'))
            for g in facts['guests']
            if matches(g, self.name)
        ]

    def find(self):
        copies = []
        hosts = self.hosts_to_read()
        for host in hosts:
            found = self.read(host)
            if found is None:
                continue
            copies.extend(found)
            # the guest runs on the destination: the other hosts cannot change that answer
            if host == self.destination and any(is_active(c['state']) for c in found):
                break
        verdict, which = locate(copies, self.destination)
        if verdict == 'missing':
            where = ', '.join(h for h in hosts if h not in [u['host'] for u in self.unreachable])
            self.module.fail_json(
                msg='guest %s not found on %s%s' % (
                    self.name,
                    where,
                    ' (not read: %s)' % ', '.join(u['host'] for u in self.unreachable) if self.unreachable else '',
                ),
                **self.common()
            )
        if verdict == 'ambiguous':
            self.module.fail_json(msg='guest %s: %s' % (self.name, which), copies=copies, **self.common())
        return verdict, which

    def diff(self, before, after, state):
        return dict(
            before_header='guest %s' % self.name,
            after_header='guest %s' % self.name,
            before='host: %s\nstate: %s\n' % (before, state),
            after='host: %s\nstate: %s\n' % (after, state),
        )

    def blocked(self, copy, failed_run):
        """The plan was refused for blockers: read them as data from zmigrate check, and fail with their rule ids."""
        check = self.zm.run(['check', '--from', copy['host'], '--to', self.destination], positional=[copy['name']])
        report = check.doc if check.rc in (OK, BLOCKED) and isinstance(check.doc, dict) else None
        findings = []
        if report:
            for g in report.get('guests', []):
                findings.extend(blocker_findings(g.get('findings')))
        if not findings:
            # nothing blocks any more (the world changed between the two runs): say what the refused run said
            self.last = failed_run
            self.zm.fail(failed_run, 'zmigrate refused to move %s' % copy['name'], **self.common(**self.found(copy)))
        self.last = check
        self.module.fail_json(
            msg='%s cannot move from %s to %s: %d blocker%s - %s' % (
                copy['name'],
                copy['host'],
                self.destination,
                len(findings),
                '' if len(findings) == 1 else 's',
                describe_blockers(findings),
            ),
            changed=False,
            blockers=unique([f['rule'] for f in findings]),
            findings=findings,
            **self.common(**self.found(copy))
        )

    def found(self, copy, host=None):
        return dict(guest=copy['name'], uuid=copy['uuid'], source=copy['host'], host=host or copy['host'], state=copy['state'])

    def plan(self, copy):
        result = self.zm.run(['plan', '--from', copy['host'], '--to', self.destination], positional=[copy['name']])
        self.last = result
        if result.rc == BLOCKED and result.error_code == 'E_BLOCKED':
            self.blocked(copy, result)
        plan = result.doc
        if result.rc != OK or not isinstance(plan, dict) or 'steps' not in plan:
            self.zm.fail(result, 'zmigrate plan %s' % copy['name'], **self.common(**self.found(copy)))
        summary = dict(
            steps=[dict(id=s.get('id'), kind=s.get('kind'), host=s.get('host'), description=s.get('description')) for s in plan['steps']],
            findings=plan.get('findings', []),
            fingerprints=plan.get('fingerprints'),
        )
        changed = len(plan['steps']) > 0
        self.module.exit_json(
            changed=changed,
            plan=summary,
            diff=self.diff(copy['host'], self.destination if changed else copy['host'], copy['state']),
            **self.common(**self.found(copy))
        )

    def migrate(self, copy):
        result = self.zm.run(['migrate', '--from', copy['host'], '--to', self.destination, '--yes'], positional=[copy['name']], ndjson=True)
        self.last = result
        report = result.doc if isinstance(result.doc, dict) and 'outcome' in result.doc else None
        if report is None:
            if result.error_code == 'E_BLOCKED':
                self.blocked(copy, result)
            # exit 4 without a report: the journal could not be written after steps began (E_JOURNAL_WRITE);
            # what changed is unknown, so it is not claimed to be nothing
            self.zm.fail(result, 'zmigrate migrate %s' % copy['name'], changed=result.rc == ROLLBACK_INCOMPLETE, **self.common(**self.found(copy)))
        fields = self.common(report=report, journal=report.get('journal'))
        outcome = report.get('outcome')
        if outcome == 'migrated' and result.rc == OK:
            fields.update(self.found(copy, host=self.destination))
            self.module.exit_json(changed=True, diff=self.diff(copy['host'], self.destination, copy['state']), **fields)
        fields.update(self.found(copy))
        failed = [s for s in report.get('steps', []) if s.get('state') == 'failed']
        at = ' at step %s (%s)' % (failed[0].get('id'), failed[0].get('error', 'failed')) if failed else ''
        if outcome == 'rolled-back':
            self.module.fail_json(
                msg='migration of %s to %s failed%s and was fully rolled back; it is on %s as before' % (copy['name'], self.destination, at, copy['host']),
                changed=False,
                **fields
            )
        if outcome == 'rollback-incomplete':
            manual = report.get('manual', [])
            self.module.fail_json(
                msg='migration of %s to %s failed%s and the rollback is incomplete; a human must: %s (journal %s)' % (
                    copy['name'],
                    self.destination,
                    at,
                    '; '.join(manual) or 'see the journal',
                    report.get('journal'),
                ),
                changed=True,
                manual=manual,
                **fields
            )
        # interrupted (130): zmigrate stopped mid-run; its journal continues it
        self.module.fail_json(
            msg='migration of %s to %s was %s%s; continue it with: zmigrate migrate --resume %s' % (
                copy['name'],
                self.destination,
                outcome or 'ended without an outcome',
                at,
                report.get('journal'),
            ),
            changed=True,
            **fields
        )

    def run(self):
        verdict, copy = self.find()
        if verdict == 'here':
            self.module.exit_json(
                changed=False, diff=self.diff(copy['host'], copy['host'], copy['state']), **self.common(**self.found(copy, host=self.destination))
            )
        if self.module.check_mode:
            self.plan(copy)
        self.migrate(copy)


def main():
    argument_spec = dict(
        name=dict(type='str', required=True, aliases=['guest']),
        host=dict(type='str', required=True, aliases=['to']),
        **{'from': dict(type='str', aliases=['source'])}
    )
    argument_spec.update(ZMIGRATE_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    GuestTask(module).run()


if __name__ == '__main__':
    main()
