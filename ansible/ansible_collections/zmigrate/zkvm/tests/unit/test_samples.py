"""
The recorded zmigrate documents the tests feed the modules (fixtures/) are valid against the CLI's
JSON Schemas (schemas/*.json of this repository), so they cannot drift from what the CLI prints.
Documents without a schema (facts, profile show, errors, dry runs) are checked against the CLI's
own TypeScript types and zod schemas by test/ansible/collection.test.ts.
"""
import json
import os
import unittest

import jsonschema

from support import FIXTURES, REPO, fixture

# fixture name prefix -> the schema of its document (for .ndjson: of its last line, the report)
SCHEMA_OF = [
    ('check-site-', 'check-site.json'),
    ('check-', 'check.json'),
    ('plan-', 'plan.json'),
    ('migrate-', 'migrate.json'),
    ('evacuate-', 'evacuate.json'),
    ('return-', 'evacuate.json'),
]
# documents no schema covers, each checked by the mocha test
UNSCHEMAED = ('facts-', 'profile-show-', 'error-', 'evacuate-dry-run', 'evacuate-cancelled', 'return-dry-run', 'return-cancelled')


def schema(name):
    with open(os.path.join(REPO, 'schemas', name)) as f:
        return json.load(f)


def schema_for(name):
    if name.startswith(UNSCHEMAED):
        return None
    for prefix, schema_name in SCHEMA_OF:
        if name.startswith(prefix):
            return schema_name
    raise AssertionError('%s: no schema and not in the list of unschemaed documents' % name)


class SamplesMatchSchemas(unittest.TestCase):
    def test_every_fixture_is_covered(self):
        names = sorted(os.listdir(FIXTURES))
        self.assertGreater(len(names), 30)
        for name in names:
            schema_for(name)

    def test_schemaed_fixtures_are_valid(self):
        checked = 0
        for name in sorted(os.listdir(FIXTURES)):
            schema_name = schema_for(name)
            if schema_name is None:
                continue
            doc = fixture(name)
            if name.endswith('.ndjson'):
                self.assertTrue(all(isinstance(e, dict) and 'type' in e for e in doc[:-1]), '%s: event lines have a type' % name)
                doc = doc[-1]
            s = schema(schema_name)
            validator = jsonschema.Draft202012Validator(s)
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
            self.assertEqual(
                [], ['%s at %s' % (e.message, '/'.join(str(p) for p in e.path)) for e in errors], '%s against schemas/%s' % (name, schema_name)
            )
            checked += 1
        self.assertGreaterEqual(checked, 12)

    def test_a_schema_rejects_a_drifted_sample(self):
        # the validation has teeth: a renamed field is refused
        report = fixture('migrate-zdemo-migrated.ndjson')[-1]
        report['result'] = report.pop('outcome')
        self.assertFalse(jsonschema.Draft202012Validator(schema('migrate.json')).is_valid(report))

    def test_plan_dry_run_of_migrate_holds_a_plan(self):
        # the check mode of zmigrate.zkvm.guest reads `zmigrate plan --json`: the plan file format
        plan = fixture('plan-zdemo.json')
        self.assertTrue(jsonschema.Draft202012Validator(schema('plan.json')).is_valid(plan))
        self.assertEqual(['create-image', 'detach-device', 'migrate', 'attach-device', 'verify'], [s['kind'] for s in plan['steps']])


if __name__ == '__main__':
    unittest.main()
