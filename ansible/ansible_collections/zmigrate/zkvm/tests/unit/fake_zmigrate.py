#!/usr/bin/env python3
"""
A stand-in for the zmigrate CLI in the modules' unit tests: it prints recorded zmigrate documents
(fixtures/, each valid against the CLI's schemas/*.json - test_samples.py) and exits with a given
code, and logs every argv it was called with.

FAKE_ZMIGRATE_SCENARIO names a JSON file: {"log": FILE, "rules": [{"when": [TOKEN, ...],
"fixture": NAME | "doc": {...}, "exit": N}, ...]}. The first rule whose tokens all appear in argv
answers. As the CLI does, migrate, evacuate and return print one JSON object per line (an .ndjson
fixture as it is, a .json one on one line); the other commands one indented document.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NDJSON_COMMANDS = ('migrate', 'evacuate', 'return')


def main():
    argv = sys.argv[1:]
    with open(os.environ['FAKE_ZMIGRATE_SCENARIO']) as f:
        scenario = json.load(f)
    with open(scenario['log'], 'a') as log:
        log.write(json.dumps(argv) + '\n')
    for rule in scenario['rules']:
        if all(token in argv for token in rule['when']):
            break
    else:
        sys.stderr.write('fake zmigrate: no rule for %s\n' % json.dumps(argv))
        return 99
    ndjson = bool(argv) and argv[0] in NDJSON_COMMANDS
    if 'fixture' in rule and rule['fixture'].endswith('.ndjson'):
        with open(os.path.join(HERE, 'fixtures', rule['fixture'])) as f:
            sys.stdout.write(f.read())
    elif 'fixture' in rule or 'doc' in rule:
        if 'doc' in rule:
            doc = rule['doc']
        else:
            with open(os.path.join(HERE, 'fixtures', rule['fixture'])) as f:
                doc = json.load(f)
        sys.stdout.write((json.dumps(doc) if ndjson else json.dumps(doc, indent=2)) + '\n')
    if rule.get('stderr'):
        sys.stderr.write(rule['stderr'])
    return rule.get('exit', 0)


if __name__ == '__main__':
    sys.exit(main())
