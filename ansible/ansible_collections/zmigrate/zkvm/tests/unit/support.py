"""
Running a zmigrate.zkvm module's main() in-process, as Ansible would, against fake_zmigrate.py:
the module's arguments go in through AnsibleModule's own channel, exit_json/fail_json come back
as the result, and the fake's log says which zmigrate commands the module ran.
"""
import atexit
import json
import os
import shutil
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, 'fixtures')
FAKE_SCRIPT = os.path.join(HERE, 'fake_zmigrate.py')
COLLECTION = os.path.abspath(os.path.join(HERE, '..', '..'))
# the directory holding ansible_collections/, so that ansible_collections.zmigrate.zkvm imports
COLLECTIONS_ROOT = os.path.abspath(os.path.join(COLLECTION, '..', '..', '..'))
REPO = os.path.abspath(os.path.join(COLLECTIONS_ROOT, '..'))
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)

from ansible.module_utils import basic  # noqa: E402
from ansible.module_utils.common.text.converters import to_bytes  # noqa: E402


def _launcher():
    """The fake run by this interpreter (a #!/usr/bin/env python3 through a version manager costs 0.1 s a call)."""
    where = tempfile.mkdtemp(prefix='zkvm-fake-')
    atexit.register(shutil.rmtree, where, True)
    path = os.path.join(where, 'zmigrate')
    with open(path, 'w') as f:
        f.write('#!%s\nimport runpy, sys\nsys.argv[0] = %r\nrunpy.run_path(%r, run_name="__main__")\n' % (sys.executable, FAKE_SCRIPT, FAKE_SCRIPT))
    os.chmod(path, 0o755)
    return path


FAKE = _launcher()


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        if name.endswith('.ndjson'):
            return [json.loads(line) for line in f if line.strip()]
        return json.load(f)


def rule(when, fixture=None, doc=None, exit=0):
    r = {'when': list(when), 'exit': exit}
    if fixture is not None:
        r['fixture'] = fixture
    if doc is not None:
        r['doc'] = doc
    return r


class Exited(Exception):
    pass


class Failed(Exception):
    pass


def _exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    raise Exited(kwargs)


def _fail_json(self, **kwargs):
    kwargs['failed'] = True
    raise Failed(kwargs)


class ModuleCase(unittest.TestCase):
    """Subclasses set `module` (the module under test) and call run()."""

    module = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='zkvm-test-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        patcher = mock.patch.multiple(basic.AnsibleModule, exit_json=_exit_json, fail_json=_fail_json)
        patcher.start()
        self.addCleanup(patcher.stop)

    def run_module(self, args, rules, check_mode=False, diff=True):
        """(result, calls): the module's result dict (failed: True when it failed) and the argv of each zmigrate run."""
        log = os.path.join(self.tmp, 'calls.jsonl')
        scenario = os.path.join(self.tmp, 'scenario.json')
        with open(scenario, 'w') as f:
            json.dump({'log': log, 'rules': rules}, f)
        module_args = dict(args)
        module_args.setdefault('zmigrate_path', FAKE)
        module_args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': module_args}))
        with mock.patch.dict(os.environ, {'FAKE_ZMIGRATE_SCENARIO': scenario}):
            try:
                self.module.main()
                raise AssertionError('the module returned without exit_json or fail_json')
            except (Exited, Failed) as outcome:
                result = outcome.args[0]
        calls = []
        if os.path.exists(log):
            with open(log) as f:
                calls = [json.loads(line) for line in f]
        return result, calls

    def commands(self, calls):
        """The zmigrate subcommand of each call, with its first positional: ['facts zhost-b', 'plan zdemo', ...]."""
        out = []
        for argv in calls:
            positional = argv[argv.index('--') + 1:] if '--' in argv else []
            words = [argv[0]] + ([argv[1]] if argv[0] == 'profile' else []) + positional[:1]
            out.append(' '.join(words))
        return out
