"""
What ansible-doc shows is what the modules accept: every module's DOCUMENTATION (with the
zmigrate.zkvm.common fragment) and its argument_spec agree option by option, and EXAMPLES use only
documented options, as ansible-test's validate-modules would insist (it needs a network to set up).
"""
import unittest
from unittest import mock

import yaml

from support import fixture  # noqa: F401 (puts the collection on sys.path)

from ansible_collections.zmigrate.zkvm.plugins.doc_fragments.common import ModuleDocFragment
from ansible_collections.zmigrate.zkvm.plugins.modules import check, evacuate, guest

MODULES = {'check': check, 'guest': guest, 'evacuate': evacuate}


class Captured(Exception):
    pass


def argument_spec(module):
    def capture(**kwargs):
        raise Captured(kwargs)

    with mock.patch.object(module, 'AnsibleModule', side_effect=capture):
        try:
            module.main()
        except Captured as c:
            return c.args[0]
    raise AssertionError('main() did not build an AnsibleModule')


def documented_options(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc['options'])
    if 'zmigrate.zkvm.common' in doc.get('extends_documentation_fragment', []):
        options.update(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])
    return doc, options


class DocsMatchSpecs(unittest.TestCase):
    def test_options(self):
        for name, module in MODULES.items():
            doc, options = documented_options(module)
            self.assertEqual(name, doc['module'])
            spec = argument_spec(module)
            self.assertTrue(spec['supports_check_mode'], name)
            args = spec['argument_spec']
            self.assertEqual(sorted(options), sorted(args), name)
            for option, s in args.items():
                d = options[option]
                where = '%s.%s' % (name, option)
                self.assertEqual(d.get('type', 'str'), s.get('type', 'str'), where)
                self.assertEqual(d.get('required', False), s.get('required', False), where)
                self.assertEqual(d.get('default'), s.get('default'), where)
                self.assertEqual(sorted(d.get('aliases', [])), sorted(s.get('aliases', [])), where)
                self.assertEqual(d.get('choices'), s.get('choices'), where)
                self.assertEqual(d.get('elements'), s.get('elements'), where)
                self.assertTrue(d.get('description'), where)

    def test_examples_use_documented_options(self):
        for name, module in MODULES.items():
            _, options = documented_options(module)
            accepted = set(options)
            for d in options.values():
                accepted.update(d.get('aliases', []))
            tasks = yaml.safe_load(module.EXAMPLES)
            used = [t['zmigrate.zkvm.' + name] for t in tasks if 'zmigrate.zkvm.' + name in t]
            self.assertTrue(used, name)
            for args in used:
                self.assertEqual(set(), set(args) - accepted, name)

    def test_return_is_yaml_with_descriptions(self):
        for name, module in MODULES.items():
            ret = yaml.safe_load(module.RETURN)
            for key, value in ret.items():
                self.assertTrue(value.get('description') and value.get('returned') and value.get('type'), '%s RETURN %s' % (name, key))


if __name__ == '__main__':
    unittest.main()
