"""zmigrate.zkvm.guest: where the guest is, and zmigrate's documents and exit codes -> the task's result."""
import unittest

from support import ModuleCase, fixture, rule

from ansible_collections.zmigrate.zkvm.plugins.modules import guest

PROFILE = rule(['profile', 'show'], 'profile-show-lab.json')
ON_A = rule(['facts', 'zhost-a'], 'facts-zhost-a-zdemo.json')
A_EMPTY = rule(['facts', 'zhost-a'], 'facts-zhost-a-empty.json')
ON_B = rule(['facts', 'zhost-b'], 'facts-zhost-b-zdemo.json')
B_EMPTY = rule(['facts', 'zhost-b'], 'facts-zhost-b-empty.json')
CHECK_BLOCKED = rule(['check'], 'check-zdemo-blocked.json', exit=1)
MOVE = {'name': 'zdemo', 'host': 'zhost-b'}
JOURNAL = '/root/.local/share/zmigrate/journals/20261201T220000Z-zdemo-1a2b3c.json'


def facts_with(name, **guest_fields):
    doc = fixture(name)
    for g in doc['guests']:
        g.update(guest_fields)
    return doc


class AlreadyThere(ModuleCase):
    module = guest

    def test_a_guest_running_on_the_destination_is_unchanged_and_only_the_destination_is_read(self):
        result, calls = self.run_module(MOVE, [PROFILE, ON_B])
        self.assertFalse(result.get('failed'))
        self.assertFalse(result['changed'])
        self.assertEqual('zhost-b', result['host'])
        self.assertEqual('3c3c3c3c-2222-4222-8333-00000000d3e0', result['uuid'])
        self.assertEqual(['profile show', 'facts zhost-b'], self.commands(calls))
        self.assertEqual(result['diff']['before'], result['diff']['after'])

    def test_with_from_given_a_guest_already_moved_is_unchanged(self):
        # the second run of a playbook that moved zdemo from zhost-a: it is on zhost-b now
        result, calls = self.run_module(dict(MOVE, **{'from': 'zhost-a'}), [A_EMPTY, ON_B])
        self.assertFalse(result['changed'])
        self.assertEqual(['facts zhost-b'], self.commands(calls))

    def test_check_mode_on_the_destination_plans_nothing(self):
        result, calls = self.run_module(MOVE, [PROFILE, ON_B], check_mode=True)
        self.assertFalse(result['changed'])
        self.assertNotIn('plan', ' '.join(self.commands(calls)))

    def test_a_shut_off_guest_defined_only_on_the_destination_is_there(self):
        result, _ = self.run_module(MOVE, [PROFILE, rule(['facts', 'zhost-b'], doc=facts_with('facts-zhost-b-zdemo.json', state='shut off')), A_EMPTY])
        self.assertFalse(result['changed'])
        self.assertEqual('shut off', result['state'])

    def test_addressed_by_uuid(self):
        result, _ = self.run_module({'name': '3C3C3C3C-2222-4222-8333-00000000D3E0', 'host': 'zhost-b'}, [PROFILE, ON_B])
        self.assertFalse(result['changed'])
        self.assertEqual('zdemo', result['guest'])


class Moves(ModuleCase):
    module = guest

    def test_migrates_from_where_it_runs_and_reports_the_move(self):
        result, calls = self.run_module(MOVE, [PROFILE, B_EMPTY, ON_A, rule(['migrate'], 'migrate-zdemo-migrated.ndjson')])
        self.assertFalse(result.get('failed'), result.get('msg'))
        self.assertTrue(result['changed'])
        self.assertEqual(('zhost-a', 'zhost-b', 'zhost-b'), (result['source'], result['destination'], result['host']))
        self.assertEqual('migrated', result['report']['outcome'])
        self.assertEqual(JOURNAL, result['journal'])
        self.assertEqual(0, result['rc'])
        self.assertEqual(['profile show', 'facts zhost-b', 'facts zhost-a', 'migrate zdemo'], self.commands(calls))
        # an argv, names after --, never a shell line
        self.assertEqual(['migrate', '--from', 'zhost-a', '--to', 'zhost-b', '--yes', '--json', '--', 'zdemo'], calls[-1])
        self.assertEqual('host: zhost-a\nstate: running\n', result['diff']['before'])
        self.assertEqual('host: zhost-b\nstate: running\n', result['diff']['after'])

    def test_profile_and_data_dir_are_passed_on(self):
        args = dict(MOVE, profile='/etc/zmigrate/profiles/dc1.yaml', data_dir='/var/lib/zm')
        result, calls = self.run_module(args, [PROFILE, B_EMPTY, ON_A, rule(['migrate'], 'migrate-zdemo-migrated.ndjson')])
        self.assertTrue(result['changed'])
        for argv in calls:
            self.assertEqual(['--profile', '/etc/zmigrate/profiles/dc1.yaml'], argv[argv.index('--profile'):argv.index('--profile') + 2])

    def test_a_uuid_is_migrated_by_the_name_it_has_on_its_source(self):
        result, calls = self.run_module(
            {'name': '3c3c3c3c-2222-4222-8333-00000000d3e0', 'host': 'zhost-b', 'from': 'zhost-a'},
            [B_EMPTY, ON_A, rule(['migrate'], 'migrate-zdemo-migrated.ndjson')],
        )
        self.assertTrue(result['changed'])
        self.assertEqual('zdemo', calls[-1][-1])

    def test_a_shut_off_guest_moves_offline_from_its_only_host(self):
        result, calls = self.run_module(
            MOVE, [PROFILE, B_EMPTY, rule(['facts', 'zhost-a'], 'facts-zhost-a-zdemo-shut-off.json'), rule(['migrate'], 'migrate-zdemo-migrated.ndjson')]
        )
        self.assertTrue(result['changed'])
        self.assertEqual('migrate zdemo', self.commands(calls)[-1])

    def test_the_active_copy_is_the_guest_a_shut_off_one_on_the_destination_a_leftover(self):
        leftover = rule(['facts', 'zhost-b'], doc=facts_with('facts-zhost-b-zdemo.json', state='shut off'))
        result, calls = self.run_module(MOVE, [PROFILE, leftover, ON_A, rule(['migrate'], 'migrate-zdemo-migrated.ndjson')])
        self.assertEqual('zhost-a', result['source'])
        self.assertEqual('migrate zdemo', self.commands(calls)[-1])

    def test_a_host_that_cannot_be_read_is_skipped_when_the_guest_is_found_elsewhere(self):
        # three hosts: zhost-c is down
        profile = fixture('profile-show-lab.json')
        profile['profile']['hosts']['zhost-c'] = dict(profile['profile']['hosts']['zhost-b'], name='zhost-c', address='127.0.0.4')
        rules = [
            rule(['profile', 'show'], doc=profile),
            B_EMPTY,
            ON_A,
            rule(['facts', 'zhost-c'], 'error-host-unreachable.json', exit=3),
            rule(['migrate'], 'migrate-zdemo-migrated.ndjson'),
        ]
        result, _ = self.run_module(MOVE, rules)
        self.assertTrue(result['changed'])
        self.assertEqual([{'host': 'zhost-c', 'code': 'E_HOST_UNREACHABLE', 'message': fixture('error-host-unreachable.json')['error']['message']}], result['unreachable'])


class CheckMode(ModuleCase):
    module = guest

    def test_computes_the_plan_and_changes_nothing(self):
        result, calls = self.run_module(MOVE, [PROFILE, B_EMPTY, ON_A, rule(['plan'], 'plan-zdemo.json')], check_mode=True)
        self.assertFalse(result.get('failed'), result.get('msg'))
        self.assertTrue(result['changed'])
        self.assertEqual(['create-image', 'detach-device', 'migrate', 'attach-device', 'verify'], [s['kind'] for s in result['plan']['steps']])
        self.assertEqual('zhost-a', result['host'])
        self.assertNotIn('migrate zdemo', self.commands(calls))
        self.assertEqual(['plan', '--from', 'zhost-a', '--to', 'zhost-b', '--json', '--', 'zdemo'], calls[-1])
        self.assertIn('zhost-b', result['diff']['after'])

    def test_a_plan_without_steps_is_no_change(self):
        plan = fixture('plan-zdemo.json')
        plan['steps'] = []
        result, _ = self.run_module(MOVE, [PROFILE, B_EMPTY, ON_A, rule(['plan'], doc=plan)], check_mode=True)
        self.assertFalse(result['changed'])

    def test_a_blocked_guest_fails_with_its_rule_ids(self):
        result, calls = self.run_module(MOVE, [PROFILE, B_EMPTY, ON_A, rule(['plan'], 'error-blocked.json', exit=1), CHECK_BLOCKED], check_mode=True)
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertEqual(['disk-copy-destination'], result['blockers'])
        self.assertEqual(['check zdemo'], self.commands(calls)[-1:])
        self.assertIn('disk-copy-destination', result['msg'])


class Failures(ModuleCase):
    """Each exit code of zmigrate migrate (and of the reads before it) -> failed/changed."""

    module = guest

    def move(self, migrate_rule, *more):
        return self.run_module(MOVE, [PROFILE, B_EMPTY, ON_A, migrate_rule] + list(more))

    def test_exit_1_blocked_fails_with_the_blockers_from_check(self):
        result, calls = self.move(rule(['migrate'], 'error-blocked.json', exit=1), CHECK_BLOCKED)
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertEqual(['disk-copy-destination'], result['blockers'])
        self.assertEqual('blocker', result['findings'][0]['severity'])
        self.assertTrue(result['findings'][0]['remedy'])
        self.assertEqual(1, result['rc'])
        self.assertEqual(['migrate zdemo', 'check zdemo'], self.commands(calls)[-2:])
        self.assertEqual(['check', '--from', 'zhost-a', '--to', 'zhost-b', '--json', '--', 'zdemo'], calls[-1])

    def test_exit_1_blocked_but_check_finds_nothing_now_says_what_zmigrate_said(self):
        result, _ = self.move(rule(['migrate'], 'error-blocked.json', exit=1), rule(['check'], 'check-zdemo-actions.json'))
        self.assertTrue(result['failed'])
        self.assertIn('E_BLOCKED', result['zmigrate_error']['code'])
        self.assertIn('Fix the blockers', result['msg'])

    def test_exit_1_rolled_back_fails_unchanged(self):
        result, _ = self.move(rule(['migrate'], 'migrate-zdemo-rolled-back.ndjson', exit=1))
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertEqual('rolled-back', result['report']['outcome'])
        self.assertEqual('zhost-a', result['host'])
        self.assertIn('03-migrate', result['msg'])
        self.assertIn('fully rolled back', result['msg'])

    def test_exit_2_usage_fails_with_the_remedy(self):
        result, _ = self.run_module({'name': 'zdemo', 'host': 'zhost-c', 'from': 'zhost-a'}, [rule(['facts', 'zhost-c'], 'error-unknown-host.json', exit=2)])
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertEqual('E_UNKNOWN_HOST', result['zmigrate_error']['code'])
        self.assertIn('Remedy: Use one of the profile', result['msg'])
        self.assertEqual('usage, profile or input error', result['exit_meaning'])

    def test_exit_3_destination_unreachable_fails(self):
        result, _ = self.run_module(MOVE, [PROFILE, rule(['facts', 'zhost-b'], 'error-host-unreachable.json', exit=3)])
        self.assertTrue(result['failed'])
        self.assertEqual(3, result['rc'])
        self.assertIn('destination zhost-b', result['msg'])

    def test_destination_libvirt_down_fails(self):
        result, _ = self.run_module(MOVE, [PROFILE, rule(['facts', 'zhost-b'], 'facts-zhost-b-libvirt-down.json')])
        self.assertTrue(result['failed'])
        self.assertEqual('E_LIBVIRT_UNREACHABLE', result['zmigrate_error']['code'])

    def test_exit_4_rollback_incomplete_fails_changed_with_the_instructions(self):
        result, _ = self.move(rule(['migrate'], 'migrate-zdemo-rollback-incomplete.ndjson', exit=4))
        self.assertTrue(result['failed'])
        self.assertTrue(result['changed'])
        manual = fixture('migrate-zdemo-rollback-incomplete.ndjson')[-1]['manual']
        self.assertEqual(manual, result['manual'])
        self.assertIn(manual[0], result['msg'])
        self.assertEqual('migration failed and rollback is incomplete (needs a human)', result['exit_meaning'])

    def test_exit_4_journal_not_written_fails_changed_with_the_remedy(self):
        result, _ = self.move(rule(['migrate'], 'error-journal-write.json', exit=4))
        self.assertTrue(result['failed'])
        self.assertTrue(result['changed'])
        self.assertEqual('E_JOURNAL_WRITE', result['zmigrate_error']['code'])
        self.assertIn('zmigrate migrate --resume', result['msg'])

    def test_exit_5_stale_fails_unchanged(self):
        result, _ = self.move(rule(['migrate'], 'error-stale-plan.json', exit=5))
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertEqual(5, result['rc'])

    def test_exit_6_locked_fails_unchanged_naming_the_holder(self):
        result, _ = self.move(rule(['migrate'], 'error-guest-locked.json', exit=6))
        self.assertTrue(result['failed'])
        self.assertFalse(result['changed'])
        self.assertIn('PID 4242', result['msg'])
        self.assertEqual('E_GUEST_LOCKED', result['zmigrate_error']['code'])

    def test_exit_70_internal_fails(self):
        result, _ = self.move(rule(['migrate'], 'error-internal.json', exit=70))
        self.assertTrue(result['failed'])
        self.assertEqual('internal error (a bug in zmigrate)', result['exit_meaning'])

    def test_exit_130_interrupted_fails_changed_with_the_resume_command(self):
        result, _ = self.move(rule(['migrate'], 'migrate-zdemo-interrupted.ndjson', exit=130))
        self.assertTrue(result['failed'])
        self.assertTrue(result['changed'])
        self.assertIn('zmigrate migrate --resume ' + JOURNAL, result['msg'])

    def test_no_json_at_all_fails_with_what_it_printed(self):
        result, _ = self.move({'when': ['migrate'], 'exit': 70, 'stderr': 'Error: Cannot find module dist/commands/index.js\n'})
        self.assertTrue(result['failed'])
        self.assertIn('without a JSON result', result['msg'])
        self.assertIn('Cannot find module', result['msg'])

    def test_not_found_anywhere(self):
        result, _ = self.run_module(MOVE, [PROFILE, B_EMPTY, A_EMPTY])
        self.assertTrue(result['failed'])
        self.assertIn('not found on zhost-b, zhost-a', result['msg'])

    def test_running_on_two_hosts_is_refused(self):
        paused_on_b = rule(['facts', 'zhost-b'], doc=facts_with('facts-zhost-b-zdemo.json', state='paused'))
        rules = [rule(['profile', 'show'], doc=self.three_hosts()), rule(['facts', 'zhost-c'], 'facts-zhost-b-empty.json'), ON_A, paused_on_b]
        result, calls = self.run_module(dict(MOVE, host='zhost-c'), rules)
        self.assertTrue(result['failed'])
        self.assertIn('active on zhost-a (running) and zhost-b (paused)', result['msg'])
        self.assertNotIn('migrate', [argv[0] for argv in calls])

    def test_a_name_two_different_guests_carry_is_refused(self):
        other = rule(['facts', 'zhost-b'], doc=facts_with('facts-zhost-b-zdemo.json', uuid='3c3c3c3c-2222-4222-8333-0000000000ee', state='shut off'))
        result, _ = self.run_module(dict(MOVE, host='zhost-c'), [rule(['profile', 'show'], doc=self.three_hosts()), rule(['facts', 'zhost-c'], 'facts-zhost-b-empty.json'), ON_A, other])
        self.assertTrue(result['failed'])
        self.assertIn('by its UUID', result['msg'])

    def test_zmigrate_missing(self):
        result, _ = self.run_module(dict(MOVE, zmigrate_path='/nonexistent/bin/zmigrate'), [])
        self.assertTrue(result['failed'])
        self.assertIn('not an executable', result['msg'])

    def three_hosts(self):
        profile = fixture('profile-show-lab.json')
        profile['profile']['hosts']['zhost-c'] = dict(profile['profile']['hosts']['zhost-b'], name='zhost-c', address='127.0.0.4')
        return profile


class Locate(unittest.TestCase):
    def c(self, host, state='running', uuid='u1'):
        return dict(host=host, name='g', uuid=uuid, state=state)

    def test_verdicts(self):
        self.assertEqual('here', guest.locate([self.c('b')], 'b')[0])
        self.assertEqual('move', guest.locate([self.c('a')], 'b')[0])
        self.assertEqual('missing', guest.locate([], 'b')[0])
        self.assertEqual(('move', self.c('a')), guest.locate([self.c('a'), self.c('b', 'shut off')], 'b'))
        self.assertEqual('here', guest.locate([self.c('a', 'shut off'), self.c('b', 'shut off')], 'b')[0])
        self.assertEqual('ambiguous', guest.locate([self.c('a', 'shut off'), self.c('c', 'shut off')], 'b')[0])
        self.assertEqual('ambiguous', guest.locate([self.c('a'), self.c('c', 'paused')], 'b')[0])
        self.assertEqual('ambiguous', guest.locate([self.c('a'), self.c('c', 'shut off', uuid='u2')], 'b')[0])


if __name__ == '__main__':
    unittest.main()
