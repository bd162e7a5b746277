"""module_utils/cli.py: reading zmigrate's output and exit codes."""
import json
import sys
import unittest

from support import FIXTURES, fixture  # noqa: F401 (puts the collection on sys.path)

from ansible_collections.zmigrate.zkvm.plugins.module_utils import cli


class ParseOutput(unittest.TestCase):
    def test_one_indented_document(self):
        doc = fixture('check-zdemo-actions.json')
        self.assertEqual((doc, []), cli.parse_output(json.dumps(doc, indent=2) + '\n'))

    def test_ndjson_the_report_is_the_last_line(self):
        with open(FIXTURES + '/migrate-zdemo-migrated.ndjson') as f:
            text = f.read()
        doc, events = cli.parse_output(text, ndjson=True)
        self.assertEqual('migrated', doc['outcome'])
        self.assertEqual('plan', events[0]['type'])
        self.assertEqual(len(text.strip().splitlines()) - 1, len(events))

    def test_an_error_envelope_on_one_line(self):
        result = cli.ZmigrateResult(['zmigrate'], 6, json.dumps(fixture('error-guest-locked.json')) + '\n', '', ndjson=True)
        self.assertEqual('E_GUEST_LOCKED', result.error_code)
        self.assertIn('Remedy: Wait for that run to end', result.describe_failure('zmigrate migrate zdemo'))

    def test_a_report_is_not_an_error(self):
        result = cli.ZmigrateResult(['zmigrate'], 1, json.dumps(fixture('migrate-zdemo-rolled-back.ndjson')[-1]), '', ndjson=True)
        self.assertIsNone(result.error)

    def test_nothing_or_no_json(self):
        self.assertEqual((None, []), cli.parse_output(''))
        self.assertEqual((None, []), cli.parse_output('zmigrate: error: something\n', ndjson=True))
        result = cli.ZmigrateResult(['zmigrate'], 70, '', 'node: bad option\n')
        self.assertIn('exited 70 (internal error (a bug in zmigrate)) without a JSON result: node: bad option', result.describe_failure('x'))

    def test_a_stray_line_before_the_document(self):
        doc, _ = cli.parse_output('zmigrate: using profile lab\n{"ok": true}\n')
        self.assertEqual({'ok': True}, doc)


class ExitCodes(unittest.TestCase):
    def test_meanings(self):
        self.assertEqual('migration failed and rollback is incomplete (needs a human)', cli.exit_meaning(4))
        self.assertEqual('unknown exit status 9', cli.exit_meaning(9))
        self.assertEqual([0, 1, 2, 3, 4, 5, 6, 70, 130], sorted(cli.EXIT_CODES))

    def test_active_states(self):
        self.assertTrue(cli.is_active('paused'))
        self.assertFalse(cli.is_active('shut off'))


def dump_exit_codes():
    """For test/ansible/collection.test.ts: this table, to compare with src/exit-codes.ts."""
    json.dump(dict((str(k), {'name': v[0], 'meaning': v[1]}) for k, v in cli.EXIT_CODES.items()), sys.stdout)


if __name__ == '__main__':
    if sys.argv[1:] == ['--dump-exit-codes']:
        dump_exit_codes()
    else:
        unittest.main()
