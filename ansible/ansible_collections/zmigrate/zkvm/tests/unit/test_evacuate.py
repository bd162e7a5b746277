"""zmigrate.zkvm.evacuate: evacuate/return reports, dry runs and exit codes -> changed/failed, moved/stayed, diff."""
import unittest

from support import ModuleCase, fixture, rule

from ansible_collections.zmigrate.zkvm.plugins.modules import evacuate

DRAIN = {'host': 'zhost-a'}
HOME = {'host': 'zhost-a', 'state': 'returned'}
EVACUATION = '/root/.local/share/zmigrate/evacuations/20261201T220000Z-evacuate-zhost-a-4d5e6f.json'


class Evacuate(ModuleCase):
    module = evacuate

    def test_drains_the_host_and_says_who_went_where(self):
        result, calls = self.run_module(DRAIN, [rule(['evacuate'], 'evacuate-finished.ndjson')])
        self.assertFalse(result.get('failed'), result.get('msg'))
        self.assertTrue(result['changed'])
        self.assertEqual(['evacuate', '--to', 'site', '--yes', '--json', '--', 'zhost-a'], calls[0])
        self.assertEqual([('zdemo', 'zhost-a', 'zhost-b'), ('zoff', 'zhost-a', 'zhost-b')], [(m['guest'], m['from'], m['to']) for m in result['moved']])
        self.assertEqual([], result['stayed'])
        self.assertEqual(EVACUATION, result['journal'])
        self.assertEqual('zdemo: zhost-a\nzoff: zhost-a\n', result['diff']['before'])
        self.assertEqual('zdemo: zhost-b\nzoff: zhost-b\n', result['diff']['after'])

    def test_window_caps_and_destinations_are_passed_on(self):
        _, calls = self.run_module(dict(DRAIN, to=['zhost-b', 'zhost-c'], max=3, outgoing=2, incoming=1), [rule(['evacuate'], 'evacuate-finished.ndjson')])
        self.assertEqual(['evacuate', '--to', 'zhost-b,zhost-c', '--max', '3', '--outgoing', '2', '--incoming', '1', '--yes', '--json', '--', 'zhost-a'], calls[0])

    def test_check_mode_is_the_dry_run_placement(self):
        result, calls = self.run_module(DRAIN, [rule(['evacuate'], 'evacuate-dry-run.json')], check_mode=True)
        self.assertFalse(result.get('failed'))
        self.assertTrue(result['changed'])
        self.assertIn('--dry-run', calls[0])
        self.assertNotIn('--yes', calls[0])
        self.assertEqual(['zdemo', 'zoff'], [m['guest'] for m in result['moved']])
        self.assertEqual(2, len(result['placements']))
        self.assertIn('zdemo: zhost-b', result['diff']['after'])

    def test_check_mode_with_a_guest_that_has_nowhere_to_go_fails_as_the_run_would(self):
        result, _ = self.run_module(DRAIN, [rule(['evacuate'], 'evacuate-dry-run-nowhere.json')], check_mode=True)
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertIn('zbig (zhost-b: memory: needs 32 GiB', result['msg'])
        result, _ = self.run_module(dict(DRAIN, fail_on_stay=False), [rule(['evacuate'], 'evacuate-dry-run-nowhere.json')], check_mode=True)
        self.assertFalse(result.get('failed'))
        self.assertTrue(result['changed'])
        self.assertEqual(['zbig'], [s['guest'] for s in result['stayed']])

    def test_an_empty_host_is_unchanged(self):
        result, _ = self.run_module(DRAIN, [rule(['evacuate'], 'evacuate-cancelled-empty.json')])
        self.assertFalse(result.get('failed'))
        self.assertFalse(result['changed'])
        self.assertEqual([], result['moved'])

    def test_nothing_can_move_fails_although_zmigrate_exits_0(self):
        # zmigrate asks nothing when no guest has a destination, and so exits 0 (cancelled): the host is not empty
        result, _ = self.run_module(DRAIN, [rule(['evacuate'], 'evacuate-cancelled-nowhere.json')])
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertIn('nothing moved', result['msg'])
        result, _ = self.run_module(dict(DRAIN, fail_on_stay=False), [rule(['evacuate'], 'evacuate-cancelled-nowhere.json')])
        self.assertFalse(result.get('failed'))
        self.assertFalse(result['changed'])

    def test_exit_1_a_guest_stayed_fails_changed(self):
        result, _ = self.run_module(DRAIN, [rule(['evacuate'], 'evacuate-stayed.ndjson', exit=1)])
        self.assertTrue(result['failed'])
        self.assertTrue(result['changed'])
        self.assertEqual(['zdemo'], [m['guest'] for m in result['moved']])
        self.assertEqual(['zbig'], [s['guest'] for s in result['stayed']])
        result, _ = self.run_module(dict(DRAIN, fail_on_stay=False), [rule(['evacuate'], 'evacuate-stayed.ndjson', exit=1)])
        self.assertFalse(result.get('failed'))
        self.assertTrue(result['changed'])

    def test_exit_4_rollback_incomplete_fails_changed_naming_the_journal(self):
        result, _ = self.run_module(dict(DRAIN, fail_on_stay=False), [rule(['evacuate'], 'evacuate-rollback-incomplete.ndjson', exit=4)])
        self.assertTrue(result['failed'])
        self.assertTrue(result['changed'])
        self.assertIn('rollback of zdemo needs a human', result['msg'])
        self.assertIn('/root/.local/share/zmigrate/journals/20261201T220001Z-zdemo-0c0c0c.json', result['msg'])
        self.assertEqual(['zoff'], [s['guest'] for s in result['stayed']])

    def test_exit_130_interrupted_fails_with_the_resume_command(self):
        result, _ = self.run_module(DRAIN, [rule(['evacuate'], 'evacuate-interrupted.ndjson', exit=130)])
        self.assertTrue(result['failed'])
        self.assertTrue(result['changed'])
        self.assertIn('zmigrate evacuate --resume ' + EVACUATION, result['msg'])

    def test_error_exits_fail_unchanged(self):
        for name, code in [('error-unknown-host.json', 2), ('error-host-unreachable.json', 3), ('error-guest-locked.json', 6), ('error-internal.json', 70)]:
            result, _ = self.run_module(DRAIN, [rule(['evacuate'], name, exit=code)])
            self.assertTrue(result['failed'], name)
            self.assertFalse(result['changed'], name)
            self.assertEqual(fixture(name)['error']['code'], result['zmigrate_error']['code'])
            self.assertEqual(code, result['rc'])

    def test_evacuation_goes_with_returned(self):
        result, calls = self.run_module(dict(DRAIN, evacuation='/tmp/e.json'), [])
        self.assertTrue(result['failed'])
        self.assertEqual([], calls)


class Return(ModuleCase):
    module = evacuate

    def test_brings_the_guests_home(self):
        result, calls = self.run_module(HOME, [rule(['return'], 'return-finished.ndjson')])
        self.assertFalse(result.get('failed'), result.get('msg'))
        self.assertTrue(result['changed'])
        self.assertEqual(['return', '--yes', '--json', '--', 'zhost-a'], calls[0])
        self.assertEqual([('zdemo', 'zhost-a')], [(m['guest'], m['to']) for m in result['moved']])

    def test_a_named_evacuation(self):
        _, calls = self.run_module(dict(HOME, evacuation=EVACUATION), [rule(['return'], 'return-finished.ndjson')])
        self.assertEqual(['return', '--evacuation', EVACUATION, '--yes', '--json', '--', 'zhost-a'], calls[0])

    def test_everyone_home_is_unchanged(self):
        result, _ = self.run_module(HOME, [rule(['return'], 'return-cancelled-home.json')])
        self.assertFalse(result.get('failed'))
        self.assertFalse(result['changed'])
        self.assertEqual(['zdemo', 'zoff'], result['home'])

    def test_check_mode_says_who_would_go_home(self):
        result, calls = self.run_module(HOME, [rule(['return'], 'return-dry-run.json')], check_mode=True)
        self.assertTrue(result['changed'])
        self.assertIn('--dry-run', calls[0])
        self.assertEqual([('zdemo', 'zhost-b', 'zhost-a')], [(m['guest'], m['from'], m['to']) for m in result['moved']])
        self.assertEqual(['zoff'], result['home'])

    def test_a_guest_that_cannot_come_home_fails_with_its_reason_code(self):
        result, _ = self.run_module(HOME, [rule(['return'], 'return-dry-run-stays.json')], check_mode=True)
        self.assertTrue(result['failed'])
        self.assertEqual([('zold', 'gone')], [(s['guest'], s['code']) for s in result['stayed']])

    def test_no_evacuation_recorded_fails(self):
        result, _ = self.run_module(HOME, [rule(['return'], 'error-no-evacuation.json', exit=2)])
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertIn('Name the evacuation journal', result['msg'])


if __name__ == '__main__':
    unittest.main()
