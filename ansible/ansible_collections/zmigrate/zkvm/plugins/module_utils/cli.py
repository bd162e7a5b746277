# -*- coding: utf-8 -*-
# Copyright: zmigrate contributors
# Apache License 2.0 (see the LICENSE of the zmigrate repository)
"""
Running the zmigrate CLI from a module: find the executable, run it with an argument list (never a
shell) and --json, read its JSON document, and say what its exit code means. Every zmigrate.zkvm
module goes through here, so the exit codes and the error envelope are read in one place.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# zmigrate's exit codes, as src/exit-codes.ts defines them (the same for every command; runbooks key
# on these numbers and zmigrate never renumbers one). A mocha test (test/ansible/collection.test.ts)
# fails when this table and the CLI's differ.
OK = 0
BLOCKED = 1
USAGE = 2
UNREACHABLE = 3
ROLLBACK_INCOMPLETE = 4
STALE_PLAN = 5
LOCKED = 6
INTERNAL = 70
INTERRUPTED = 130

EXIT_CODES = {
    OK: ('OK', 'no blocker found / migration completed and verified'),
    BLOCKED: ('BLOCKED', 'blocker(s) found / migration failed and was fully rolled back'),
    USAGE: ('USAGE', 'usage, profile or input error'),
    UNREACHABLE: ('UNREACHABLE', 'host unreachable, authentication or host-key failure'),
    ROLLBACK_INCOMPLETE: ('ROLLBACK_INCOMPLETE', 'migration failed and rollback is incomplete (needs a human)'),
    STALE_PLAN: ('STALE_PLAN', 'plan is stale or was edited: re-run zmigrate plan'),
    LOCKED: ('LOCKED', 'another zmigrate run is migrating this guest (the message names it); nothing was changed'),
    INTERNAL: ('INTERNAL', 'internal error (a bug in zmigrate)'),
    INTERRUPTED: ('INTERRUPTED', 'interrupted; resume with zmigrate migrate --resume JOURNAL'),
}

# The options of doc_fragments/common.py.
ZMIGRATE_ARGUMENT_SPEC = dict(
    zmigrate_path=dict(type='str', default='zmigrate'),
    profile=dict(type='str'),
    data_dir=dict(type='path'),
)

# A libvirt guest in any state but "shut off" holds its host (src/site/constraints.ts isActive):
# the active copy of a guest is the guest, a shut-off definition elsewhere a leftover.
INACTIVE_STATE = 'shut off'


def exit_meaning(rc):
    if rc in EXIT_CODES:
        return EXIT_CODES[rc][1]
    if rc == 127:
        return 'zmigrate could not be started (command not found)'
    return 'unknown exit status %d' % rc


def is_active(state):
    return state != INACTIVE_STATE


def parse_output(stdout, ndjson=False):
    """
    zmigrate's JSON document and, for NDJSON commands (migrate, evacuate, return), the event lines
    before it. check, plan, facts and profile print one (indented) document; migrate, evacuate and
    return print one JSON object per line, the report (or the error envelope) last.
    Returns (document or None, events).
    """
    text = (stdout or '').strip()
    if not text:
        return None, []
    if not ndjson:
        try:
            doc = json.loads(text)
            return (doc if isinstance(doc, dict) or isinstance(doc, list) else None), []
        except ValueError:
            pass  # not one document: read it as lines
    objects = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            objects.append(json.loads(line))
        except ValueError:
            continue
    if not objects or not isinstance(objects[-1], (dict, list)):
        return None, []
    return objects[-1], [o for o in objects[:-1] if isinstance(o, dict)]


class ZmigrateResult(object):
    """One run of the CLI: its argv, exit code, JSON document, NDJSON events, stderr."""

    def __init__(self, argv, rc, stdout, stderr, ndjson=False):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.doc, self.events = parse_output(stdout, ndjson)

    @property
    def error(self):
        """The error envelope's error ({code, message, remedy, exitCode}), or None."""
        doc = self.doc
        if isinstance(doc, dict) and doc.get('ok') is False and isinstance(doc.get('error'), dict):
            return doc['error']
        return None

    @property
    def error_code(self):
        return (self.error or {}).get('code')

    def facts(self):
        """What every result of a module says about the run it made."""
        return dict(rc=self.rc, exit_meaning=exit_meaning(self.rc), cmd=self.argv)

    def describe_failure(self, what):
        """One line for fail_json: zmigrate's own message and remedy, or what it printed instead."""
        error = self.error
        if error:
            msg = '%s: %s' % (what, error.get('message', 'zmigrate failed'))
            if error.get('remedy'):
                msg += ' Remedy: %s' % error['remedy']
            return msg
        tail = (self.stderr or '').strip().splitlines()[-3:] or (self.stdout or '').strip().splitlines()[-3:]
        return '%s: zmigrate exited %d (%s) without a JSON result%s' % (
            what,
            self.rc,
            exit_meaning(self.rc),
            (': ' + ' / '.join(tail)) if tail else '',
        )


class Zmigrate(object):
    """The zmigrate CLI as the module's options name it."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.executable = self._find(self.params.get('zmigrate_path') or 'zmigrate')

    def _find(self, path):
        if os.sep in path:
            path = os.path.expanduser(path)
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                self.module.fail_json(msg='zmigrate_path %s is not an executable file' % path)
            return path
        found = self.module.get_bin_path(path)
        if not found:
            self.module.fail_json(
                msg='%s not found on PATH (%s)' % (path, os.environ.get('PATH', '')),
                hint='Install zmigrate on the host this task runs on, or set zmigrate_path to its bin/run.js.',
            )
        return found

    def run(self, args, positional=None, ndjson=False, profile=True):
        """
        Run `zmigrate ARGS --json [--profile P] [-- POSITIONAL…]`: an argv list (no shell, no expansion
        of $ or ~), guest and host names after `--`, so that a name starting with '-' stays a name.
        """
        argv = [self.executable] + [str(a) for a in args] + ['--json']
        if profile and self.params.get('profile'):
            argv += ['--profile', os.path.expanduser(self.params['profile'])]
        if positional:
            argv += ['--'] + [str(p) for p in positional]
        env = {'NO_COLOR': '1'}
        if self.params.get('data_dir'):
            env['ZMIGRATE_DATA_DIR'] = self.params['data_dir']
        rc, stdout, stderr = self.module.run_command(argv, environ_update=env, check_rc=False, expand_user_and_vars=False)
        return ZmigrateResult(argv, rc, stdout, stderr, ndjson=ndjson)

    def fail(self, result, what, changed=False, msg=None, **extra):
        """Fail the task with zmigrate's error (code, message, remedy) and the run's exit code."""
        fields = dict(zmigrate_error=result.error, stderr=result.stderr)
        fields.update(result.facts())
        fields.update(extra)
        self.module.fail_json(msg=msg or result.describe_failure(what), changed=changed, **fields)

    def profile_hosts(self):
        """The profile's host names, in the profile's order (zmigrate profile show --json)."""
        result = self.run(['profile', 'show'])
        doc = result.doc
        if result.rc != OK or not isinstance(doc, dict) or 'profile' not in doc:
            self.fail(result, 'zmigrate profile show')
        return list(doc['profile']['hosts'].keys())


def unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def blocker_findings(findings):
    return [f for f in findings or [] if f.get('severity') == 'blocker']


def describe_blockers(findings):
    """'rule (subject): message; …' from check's findings (severity blocker)."""
    return '; '.join('%s (%s): %s' % (f.get('rule'), f.get('subject'), f.get('message')) for f in blocker_findings(findings))
