"""zmigrate.zkvm.check: zmigrate check's two documents -> one readiness list; exit codes -> failed or not; never changed."""
import unittest

from support import ModuleCase, fixture, rule

from ansible_collections.zmigrate.zkvm.plugins.modules import check

ONE = {'guests': ['zdemo'], 'from': 'zhost-a', 'to': ['zhost-b']}


class OneDestination(ModuleCase):
    module = check

    def test_a_movable_guest_is_ready_with_its_actions(self):
        result, calls = self.run_module(ONE, [rule(['check'], 'check-zdemo-actions.json')])
        self.assertFalse(result.get('failed'))
        self.assertFalse(result['changed'])
        self.assertTrue(result['ok'])
        self.assertEqual([], result['blocked'])
        row = result['readiness'][0]
        self.assertEqual(('zdemo', 'zhost-b', 'actions', []), (row['guest'], row['destination'], row['status'], row['blockers']))
        self.assertEqual(['local-disk-copy', 'profile-detach-device'], [f['rule'] for f in row['findings']])
        self.assertEqual(['check', '--from', 'zhost-a', '--to', 'zhost-b', '--json', '--', 'zdemo'], calls[0])
        self.assertEqual(fixture('check-zdemo-actions.json'), result['report'])

    def test_blockers_are_a_result_not_a_failure(self):
        result, _ = self.run_module(ONE, [rule(['check'], 'check-zdemo-blocked.json', exit=1)])
        self.assertFalse(result.get('failed'))
        self.assertFalse(result['changed'])
        self.assertFalse(result['ok'])
        self.assertEqual(['zdemo'], result['blocked'])
        self.assertEqual(('blocked', ['disk-copy-destination']), (result['readiness'][0]['status'], result['readiness'][0]['blockers']))
        self.assertEqual(1, result['rc'])

    def test_fail_on_blocker(self):
        result, _ = self.run_module(dict(ONE, fail_on_blocker=True), [rule(['check'], 'check-zdemo-blocked.json', exit=1)])
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertIn('zdemo -> zhost-b: disk-copy-destination', result['msg'])
        self.assertEqual(['disk-copy-destination'], result['readiness'][0]['blockers'])

    def test_check_mode_runs_the_same_read_only_check(self):
        result, calls = self.run_module(ONE, [rule(['check'], 'check-zdemo-actions.json')], check_mode=True)
        self.assertFalse(result['changed'])
        self.assertEqual(1, len(calls))

    def test_all_and_domain_xml(self):
        _, calls = self.run_module({'all': True, 'domain_xml': '/tmp/linux07.xml', 'from': 'zhost-a', 'to': ['zhost-b']}, [rule(['check'], 'check-zdemo-actions.json')])
        self.assertEqual(['check', '--from', 'zhost-a', '--to', 'zhost-b', '--all', '--domain-xml', '/tmp/linux07.xml', '--json'], calls[0])

    def test_nothing_named(self):
        result, calls = self.run_module({'from': 'zhost-a', 'to': ['zhost-b']}, [])
        self.assertTrue(result['failed'])
        self.assertEqual([], calls)


class SeveralDestinations(ModuleCase):
    module = check

    def test_the_matrix_is_one_row_per_guest_and_destination(self):
        result, calls = self.run_module({'all': True, 'from': 'zhost-a', 'to': 'site'}, [rule(['check'], 'check-site-zdemo.json')])
        self.assertFalse(result.get('failed'))
        self.assertEqual(['check', '--from', 'zhost-a', '--to', 'site', '--all', '--json'], calls[0])
        self.assertEqual(
            [('zdemo', 'zhost-b', 'actions', []), ('zdemo', 'zhost-c', 'blocked', ['libvirt-unreachable'])],
            [(r['guest'], r['destination'], r['status'], r['blockers']) for r in result['readiness']],
        )
        self.assertEqual('3c3c3c3c-2222-4222-8333-00000000d3e0', result['readiness'][0]['uuid'])
        self.assertEqual([], result['blocked'])
        self.assertEqual([True, False], [d['reachable'] for d in result['destinations']])
        self.assertEqual('E_HOST_UNREACHABLE', result['destinations'][1]['error']['code'])

    def test_a_list_of_destinations_is_one_comma_separated_to(self):
        _, calls = self.run_module({'guests': ['zdemo'], 'from': 'zhost-a', 'to': ['zhost-b', 'zhost-c']}, [rule(['check'], 'check-site-zdemo.json')])
        self.assertEqual('zhost-b,zhost-c', calls[0][calls[0].index('--to') + 1])

    def test_a_guest_blocked_everywhere_is_blocked(self):
        doc = fixture('check-site-zdemo.json')
        doc['ok'] = False
        doc['guests'][0]['movable'] = False
        result, _ = self.run_module({'all': True, 'from': 'zhost-a', 'to': 'site', 'fail_on_blocker': True}, [rule(['check'], doc=doc, exit=1)])
        self.assertTrue(result['failed'])
        self.assertEqual(['zdemo'], result['blocked'])


class Errors(ModuleCase):
    module = check

    def test_each_error_exit_fails_with_zmigrates_error(self):
        for name, code in [('error-unknown-host.json', 2), ('error-host-unreachable.json', 3), ('error-internal.json', 70)]:
            result, _ = self.run_module(ONE, [rule(['check'], name, exit=code)])
            self.assertTrue(result['failed'], name)
            self.assertFalse(result['changed'])
            self.assertEqual(code, result['rc'])
            self.assertEqual(fixture(name)['error'], result['zmigrate_error'])
            self.assertIn(fixture(name)['error']['message'], result['msg'])


if __name__ == '__main__':
    unittest.main()
