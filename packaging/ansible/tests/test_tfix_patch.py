"""Unit tests of the tfix_patch module's own logic: arguments, command line, JSON parsing, changed/failed
rules, check mode. Run from the repository root or anywhere:

    python3 -m unittest discover -s packaging/ansible/tests -v

The second half runs the module as Ansible runs it (a process reading its arguments, printing its result)
against a fake `tfix` written here: these tests are about the module, not the kernel (the end-to-end test
with the real tfix is repl's AnsiblePlaybookTest). They need a Python that imports Ansible; without one they
are skipped, or fail when TFIX_REQUIRE_ANSIBLE=1 (the Maven build sets it)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_PATH = os.path.join(HERE, '..', 'library', 'tfix_patch.py')

spec = importlib.util.spec_from_file_location('tfix_patch', MODULE_PATH)
tfix_patch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tfix_patch)


def proc(pid, outcome, reason=None, message=None, sites=None, **extra):
    """One tfix/1 process line as the fleet contract words it."""
    value = {'schema': 'tfix/1', 'kind': 'process', 'command': 'run', 'pid': pid, 'program': '/srv/gameserver',
             'buildId': 'ab12', 'outcome': outcome, 'reason': reason, 'message': message, 'freezeMillis': 0.5,
             'sites': sites or []}
    value.update(extra)
    return json.dumps(value)


def summary(**counts):
    value = {'schema': 'tfix/1', 'kind': 'summary', 'command': 'run', 'processes': 0, 'patched': 0, 'already': 0,
             'skipped': 0, 'failed': 0, 'gone': 0, 'millis': 12}
    value.update(counts)
    return json.dumps(value)


def params(**overrides):
    value = {'script': '/srv/fix.tfix.groovy', 'pid': None, 'program': '/srv/gameserver', 'state': 'applied',
             'functions': None, 'tfix': 'tfix', 'parallel': None, 'fail_on_skipped': True, 'fail_on_no_process': False}
    value.update(overrides)
    return value


class ArgumentsTest(unittest.TestCase):
    def refused(self, text, **overrides):
        with self.assertRaises(tfix_patch.BadArguments) as caught:
            tfix_patch.check_arguments(params(**overrides))
        self.assertIn(text, str(caught.exception))

    def test_good_arguments_pass(self):
        tfix_patch.check_arguments(params())
        tfix_patch.check_arguments(params(program=None, pid=42))
        tfix_patch.check_arguments(params(state='reverted', script=None, functions=['score_for_kill']))

    def test_exactly_one_of_pid_and_program(self):
        self.refused('exactly one of pid', pid=7)
        self.refused('exactly one of pid', program=None)

    def test_bad_values_are_named(self):
        self.refused('pid must be a process id', program=None, pid=0)
        self.refused('program must be an absolute path', program='build/gameserver')
        self.refused('script must be an absolute path', script='fix.tfix.groovy')
        self.refused('parallel must be 1 or more', parallel=0)
        self.refused('parallel works with program', program=None, pid=3, parallel=2)
        self.refused('state must be applied or reverted', state='present')

    def test_each_state_takes_its_own_options(self):
        self.refused('state=applied needs script', script=None)
        self.refused('functions is for state=reverted', functions=['f'])
        self.refused('state=reverted needs functions', state='reverted', script=None)
        self.refused('state=reverted needs functions', state='reverted', script=None, functions=['f', ' '])
        self.refused('drop script', state='reverted', functions=['f'])


class CommandTest(unittest.TestCase):
    def test_applied_runs_the_script_on_every_process_of_the_program(self):
        self.assertEqual(['/opt/tfix', 'run', '/srv/fix.tfix.groovy', '--all', '/srv/gameserver', '--json'],
                         tfix_patch.build_command(params(), False, '/opt/tfix'))

    def test_applied_on_one_pid_with_parallel_only_for_all(self):
        self.assertEqual(['tfix', 'run', '/srv/fix.tfix.groovy', '--pid', '42', '--json'],
                         tfix_patch.build_command(params(program=None, pid=42), False, 'tfix'))
        self.assertEqual(['tfix', 'run', '/srv/fix.tfix.groovy', '--all', '/srv/gameserver', '--parallel', '4', '--json'],
                         tfix_patch.build_command(params(parallel=4), False, 'tfix'))

    def test_check_mode_is_a_dry_run(self):
        self.assertEqual(['tfix', 'run', '--dry-run', '/srv/fix.tfix.groovy', '--all', '/srv/gameserver', '--json'],
                         tfix_patch.build_command(params(), True, 'tfix'))

    def test_reverted_reverts_the_functions_after_the_end_of_options(self):
        p = params(state='reverted', script=None, functions=['score_for_kill', 'Role::name()'])
        self.assertEqual(['tfix', 'revert', '--all', '/srv/gameserver', '--json', '--', 'score_for_kill', 'Role::name()'],
                         tfix_patch.build_command(p, False, 'tfix'))

    def test_reverted_in_check_mode_only_reads_the_status(self):
        p = params(state='reverted', script=None, functions=['score_for_kill'], program=None, pid=9)
        self.assertEqual(['tfix', 'status', '--pid', '9', '--json'], tfix_patch.build_command(p, True, 'tfix'))


class ParseTest(unittest.TestCase):
    def test_processes_summary_and_other_lines_are_told_apart(self):
        out = '\n'.join([proc(1, 'patched'), 'not json', '', proc(2, 'already'), '[1, 2]',
                         json.dumps({'schema': 'other/1', 'kind': 'process'}), summary(processes=2, patched=1, already=1)])
        processes, s, other = tfix_patch.parse_results(out)
        self.assertEqual([1, 2], [p['pid'] for p in processes])
        self.assertEqual(2, s['processes'])
        self.assertEqual(3, len(other))

    def test_unknown_fields_are_kept_and_missing_ones_tolerated(self):
        out = json.dumps({'schema': 'tfix/1', 'kind': 'process', 'pid': 5, 'outcome': 'patched', 'newField': [1]})
        processes, s, _ = tfix_patch.parse_results(out)
        self.assertIsNone(s)
        self.assertEqual([1], processes[0]['newField'])
        counted = tfix_patch.count(processes)
        self.assertEqual(1, counted['processes'])
        self.assertEqual(1, counted['patched'])

    def test_a_process_without_outcome_counts_as_unknown(self):
        self.assertEqual('unknown', tfix_patch.outcome({'pid': 3}))


class JudgeTest(unittest.TestCase):
    def judge(self, rc, lines, stderr='', check_mode=False, **overrides):
        p = params(**overrides)
        cmd = tfix_patch.build_command(p, check_mode, 'tfix')
        return tfix_patch.judge(p, check_mode, cmd, rc, '\n'.join(lines) + '\n', stderr)

    def test_a_patched_process_is_a_change(self):
        r = self.judge(0, [proc(1, 'patched'), proc(2, 'already'), summary(processes=2, patched=1, already=1)])
        self.assertTrue(r['changed'])
        self.assertFalse(r['failed'])
        self.assertEqual('tfix run: 2 processes: 1 patched, 1 already', r['msg'])
        self.assertEqual(2, r['summary']['processes'])

    def test_everything_already_applied_is_no_change(self):
        r = self.judge(0, [proc(1, 'already'), proc(2, 'already'), summary(processes=2, already=2)])
        self.assertFalse(r['changed'])
        self.assertFalse(r['failed'])

    def test_verified_listed_and_gone_are_no_change_and_no_failure(self):
        r = self.judge(0, [proc(1, 'verified'), proc(2, 'listed'), proc(3, 'gone', 'PROCESS_GONE', 'process 3 exited')])
        self.assertFalse(r['changed'])
        self.assertFalse(r['failed'])
        self.assertEqual(3, r['summary']['processes'])

    def test_reverted_is_a_change(self):
        r = self.judge(0, [proc(1, 'reverted', command='revert')], state='reverted', script=None, functions=['f'])
        self.assertTrue(r['changed'])

    def test_any_failed_process_fails_with_pid_reason_and_message(self):
        r = self.judge(1, [proc(1, 'patched'), proc(2, 'failed', 'THREAD_BUSY', 'thread 7 stays in score_for_kill'),
                           summary(processes=2, patched=1, failed=1)])
        self.assertTrue(r['failed'])
        self.assertTrue(r['changed'], 'the process that was patched stays patched: that is a change')
        self.assertEqual([{'pid': 2, 'program': '/srv/gameserver', 'outcome': 'failed', 'reason': 'THREAD_BUSY',
                           'message': 'thread 7 stays in score_for_kill'}], r['failures'])
        self.assertIn('pid 2 failed (THREAD_BUSY): thread 7 stays in score_for_kill', r['msg'])

    def test_a_failed_process_fails_even_when_the_exit_code_says_0(self):
        r = self.judge(0, [proc(2, 'failed', 'UNSAFE_SITE', 'no room')])
        self.assertTrue(r['failed'])

    def test_skipped_fails_unless_allowed(self):
        lines = [proc(1, 'patched'), proc(2, 'skipped', 'ALREADY_TRACED', 'gdb holds it'), summary(processes=2, patched=1, skipped=1)]
        self.assertTrue(self.judge(3, lines)['failed'])
        allowed = self.judge(3, lines, fail_on_skipped=False)
        self.assertFalse(allowed['failed'])
        self.assertTrue(allowed['changed'])

    def test_no_process_matched_is_unchanged_unless_required(self):
        lines = [summary(processes=0)]
        r = self.judge(4, lines)
        self.assertFalse(r['failed'])
        self.assertFalse(r['changed'])
        self.assertEqual('no process runs or maps /srv/gameserver', r['msg'])
        self.assertTrue(self.judge(4, lines, fail_on_no_process=True)['failed'])
        self.assertFalse(self.judge(4, [], stderr='tfix: no process runs /srv/gameserver')['failed'])

    def test_a_usage_error_fails_with_tfix_s_line(self):
        r = self.judge(2, [], stderr='tfix: --all and --pid go not together: give one\n')
        self.assertTrue(r['failed'])
        self.assertEqual('tfix run failed (exit 2): tfix: --all and --pid go not together: give one', r['msg'])

    def test_a_tfix_without_json_is_named(self):
        r = self.judge(2, [], stderr="Unknown option: '--json'\nUsage: tfix run ...\n")
        self.assertTrue(r['failed'])
        self.assertIn('has no --json', r['msg'])

    def test_a_command_that_failed_before_any_process_fails(self):
        r = self.judge(1, [], stderr='tfix: the script does not compile: line 3\n')
        self.assertTrue(r['failed'])
        self.assertIn('the script does not compile', r['msg'])

    def test_exit_0_without_any_result_fails(self):
        r = self.judge(0, ['hello'])
        self.assertTrue(r['failed'])
        self.assertIn('no result', r['msg'])

    def test_exit_1_with_only_a_gone_process_fails(self):
        r = self.judge(1, [proc(5, 'gone', 'PROCESS_GONE', 'process 5 exited')], program=None, pid=5)
        self.assertTrue(r['failed'])
        self.assertIn('exited 1', r['msg'])

    def test_check_mode_never_changes(self):
        r = self.judge(0, [proc(1, 'done'), proc(2, 'patched')], check_mode=True)
        self.assertFalse(r['changed'])
        self.assertIn('(dry run)', r['msg'])

    def test_check_mode_of_reverted_lists_what_would_be_reverted(self):
        site = {'function': 'score_for_kill', 'kind': 'jump'}
        other = {'function': 'pick_mvp', 'kind': 'jump'}
        r = self.judge(0, [proc(1, 'listed', sites=[site, other]), proc(2, 'listed', sites=[other]),
                           proc(3, 'listed', sites='garbage')],
                       check_mode=True, state='reverted', script=None, functions=['score_for_kill'])
        self.assertFalse(r['changed'])
        self.assertEqual([{'pid': 1, 'program': '/srv/gameserver', 'functions': ['score_for_kill']}], r['would_revert'])
        self.assertTrue(r['msg'].endswith('would revert score_for_kill in 1 of 3 processes'), r['msg'])


def ansible_python():
    """A Python that imports Ansible: this one, Debian's (where the ansible-core package puts it), or PATH's."""
    for candidate in (sys.executable, '/usr/bin/python3', shutil.which('python3')):
        if candidate and os.path.exists(candidate):
            ok = subprocess.run([candidate, '-c', 'import ansible.module_utils.basic'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
            if ok:
                return candidate
    return None


PYTHON = ansible_python()
REQUIRED = os.environ.get('TFIX_REQUIRE_ANSIBLE') == '1'


class ModuleRunTest(unittest.TestCase):
    """The module run as Ansible runs it, against a fake tfix that records its arguments."""

    def setUp(self):
        if PYTHON is None:
            if REQUIRED:
                self.fail('no Python here imports ansible: install ansible-core (test.sh does)')
            self.skipTest('no Python here imports ansible (install ansible-core)')
        self.dir = tempfile.mkdtemp(prefix='tfix-ansible-test-')
        self.addCleanup(shutil.rmtree, self.dir)
        self.script = os.path.join(self.dir, 'fix.tfix.groovy')
        self.program = os.path.join(self.dir, 'gameserver')
        for path in (self.script, self.program):
            with open(path, 'w') as f:
                f.write('x\n')

    def fake_tfix(self, rc, lines, stderr='', name='tfix'):
        """A tfix that writes its argv to a file, prints the lines and stderr, and exits with rc."""
        bindir = os.path.join(self.dir, 'bin')
        os.makedirs(bindir, exist_ok=True)
        for file, text in (('out', '\n'.join(lines) + '\n'), ('err', stderr)):
            with open(os.path.join(self.dir, file), 'w') as f:
                f.write(text)
        path = os.path.join(bindir, name)
        with open(path, 'w') as f:
            f.write('#!/bin/sh\nprintf "%%s\\n" "$@" > "%s/argv"\ncat "%s/out"\ncat "%s/err" >&2\nexit %d\n'
                    % (self.dir, self.dir, self.dir, rc))
        os.chmod(path, 0o755)
        return path

    def argv(self):
        with open(os.path.join(self.dir, 'argv')) as f:
            return f.read().splitlines()

    def run_module(self, check_mode=False, path=None, **args):
        args.setdefault('script', self.script)
        if 'pid' not in args:
            args.setdefault('program', self.program)
        args['_ansible_check_mode'] = check_mode
        args_file = os.path.join(self.dir, 'args.json')
        with open(args_file, 'w') as f:
            json.dump({'ANSIBLE_MODULE_ARGS': args}, f)
        env = dict(os.environ, HOME=self.dir, PATH=path or os.environ.get('PATH', ''))
        done = subprocess.run([PYTHON, MODULE_PATH, args_file], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, cwd=self.dir, timeout=60, universal_newlines=True)
        try:
            return json.loads(done.stdout)
        except ValueError:
            self.fail('the module printed no JSON result: %s %s' % (done.stdout, done.stderr))

    def test_patched_then_already(self):
        tfix = self.fake_tfix(0, [proc(11, 'patched'), proc(12, 'patched'), summary(processes=2, patched=2)])
        r = self.run_module(tfix=tfix)
        self.assertTrue(r['changed'], r)
        self.assertFalse(r.get('failed', False), r)
        self.assertEqual([tfix, 'run', self.script, '--all', self.program, '--json'], r['cmd'])
        self.assertEqual(['run', self.script, '--all', self.program, '--json'], self.argv())
        self.assertEqual([11, 12], [p['pid'] for p in r['processes']])
        self.assertEqual(2, r['summary']['patched'])

        self.fake_tfix(0, [proc(11, 'already'), proc(12, 'already'), summary(processes=2, already=2)])
        again = self.run_module(tfix=tfix)
        self.assertFalse(again['changed'], again)

    def test_check_mode_passes_dry_run_and_changes_nothing(self):
        tfix = self.fake_tfix(0, [proc(11, 'done'), summary(processes=1, done=1)])
        r = self.run_module(check_mode=True, tfix=tfix)
        self.assertFalse(r['changed'], r)
        self.assertEqual(['run', '--dry-run', self.script, '--all', self.program, '--json'], self.argv())

    def test_a_failure_fails_the_task_with_each_failure(self):
        tfix = self.fake_tfix(1, [proc(11, 'patched'), proc(12, 'failed', 'WRONG_BUILD', 'build-id differs'),
                                  summary(processes=2, patched=1, failed=1)], stderr='[12] tfix: build-id differs\n')
        r = self.run_module(tfix=tfix)
        self.assertTrue(r['failed'], r)
        self.assertEqual([{'pid': 12, 'program': '/srv/gameserver', 'outcome': 'failed', 'reason': 'WRONG_BUILD',
                           'message': 'build-id differs'}], r['failures'])
        self.assertIn('[12] tfix: build-id differs', r['stderr_lines'])

    def test_reverted_by_pid_through_the_launcher_on_path(self):
        self.fake_tfix(0, [proc(11, 'reverted', command='revert')])
        r = self.run_module(path=os.path.join(self.dir, 'bin') + ':/usr/bin:/bin', pid=11, script=None,
                            state='reverted', functions=['score_for_kill'])
        self.assertTrue(r['changed'], r)
        self.assertEqual(['revert', '--pid', '11', '--json', '--', 'score_for_kill'], self.argv())
        self.assertEqual(1, r['summary']['reverted'])

    def test_bad_options_are_refused_before_tfix_runs(self):
        tfix = self.fake_tfix(0, [])
        r = self.run_module(tfix=tfix, functions=['f'])
        self.assertTrue(r['failed'])
        self.assertIn('functions is for state=reverted', r['msg'])
        both = self.run_module(tfix=tfix, pid=3, program=self.program)
        self.assertTrue(both['failed'])
        self.assertIn('mutually exclusive', both['msg'])
        self.assertFalse(os.path.exists(os.path.join(self.dir, 'argv')), 'tfix must not have run')

    def test_missing_files_and_launcher_are_named(self):
        r = self.run_module(tfix=os.path.join(self.dir, 'nowhere', 'tfix'))
        self.assertTrue(r['failed'])
        self.assertIn('not found (or not executable)', r['msg'])
        gone = self.run_module(tfix=self.fake_tfix(0, []), script=os.path.join(self.dir, 'missing.tfix.groovy'))
        self.assertIn('does not exist on this host', gone['msg'])


if __name__ == '__main__':
    unittest.main()
