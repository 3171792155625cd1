#!/usr/bin/python
# -*- coding: utf-8 -*-
# tfix_patch: apply or revert a tfix live patch on the processes of a managed host.
# Part of tfix. Pure Python 3 standard library plus Ansible's module_utils; no network.

DOCUMENTATION = r'''
---
module: tfix_patch
short_description: Live-patch running processes with tfix, or revert a patch
description:
  - Runs the C(tfix) command line on the managed host with C(--json) and reports, per process, what
    tfix did (the C(tfix/1) JSON results), as C(processes) and C(summary).
  - With I(program), every process that runs or maps that file is patched (C(tfix ... --all PROGRAM));
    with I(pid), one process.
  - I(state=applied) runs the runbook I(script) (C(tfix run SCRIPT)); I(state=reverted) puts the named
    I(functions) back (C(tfix revert FUNCTION...)), read from each process's own record of its patches.
  - Idempotent: a run where every process reports C(already) (every replace in force already, or nothing
    to revert) is C(changed=false).
  - Check mode is a dry run. For I(state=applied) it runs C(tfix run --dry-run), which plans every
    replace and changes nothing; for I(state=reverted) it runs C(tfix status), which reads each
    process's record without attaching, and lists in C(would_revert) the functions it would put back.
    Check mode always reports C(changed=false).
  - Needs root (or CAP_SYS_PTRACE) on the managed host, as tfix does.
options:
  script:
    description: Path, on the managed host, of the C(.tfix.groovy) runbook to run; C(pid) is bound in it.
                 Required with I(state=applied), refused with I(state=reverted).
    type: path
  pid:
    description: The one process to work on. Exactly one of I(pid) and I(program).
    type: int
  program:
    description: Absolute path of an executable or library; every process running or mapping it
                 (matched by device and inode) is worked on (C(--all PROGRAM)).
    type: path
  state:
    description: C(applied) runs I(script); C(reverted) reverts I(functions).
    type: str
    choices: [applied, reverted]
    default: applied
  functions:
    description: With I(state=reverted), the functions to put back (names as the runbook replaced them,
                 for example C(score_for_kill)); at least one. Refused with I(state=applied).
    type: list
    elements: str
  tfix:
    description: The tfix launcher; a bare name is looked up on the PATH of the managed host.
    type: str
    default: tfix
  parallel:
    description: With I(program), how many processes tfix works on at once (C(--parallel N)).
    type: int
  fail_on_skipped:
    description: Fail when a process was skipped (another tracer, such as a debugger, holds it).
    type: bool
    default: true
  fail_on_no_process:
    description: Fail when no process runs or maps I(program) (otherwise the host is unchanged).
    type: bool
    default: false
notes:
  - Supports check mode (a dry run, see above).
'''

EXAMPLES = r'''
- name: Fix the kill-streak bonus in every gameserver of the host
  tfix_patch:
    script: /opt/tfix/samples/gameserver/fix-score.tfix.groovy
    program: /opt/tfix/samples/build/gameserver
    tfix: /opt/tfix/tfix

- name: Put the original score_for_kill back in process 4242
  tfix_patch:
    pid: 4242
    state: reverted
    functions: [score_for_kill]
'''

RETURN = r'''
processes:
  description: One C(tfix/1) result per process, as tfix printed it (pid, program, buildId, outcome,
               reason, message, freezeMillis, sites...).
  returned: always
  type: list
summary:
  description: The counts (processes, patched, already, reverted, skipped, failed, gone...): tfix's own
               summary line with I(program), else counted from C(processes).
  returned: always
  type: dict
failures:
  description: Each process that failed (or was skipped, with I(fail_on_skipped)), as pid, program,
               outcome, reason and message.
  returned: always
  type: list
would_revert:
  description: In check mode with I(state=reverted), each process with patches in force for
               I(functions), as pid and the functions.
  returned: check mode with state=reverted
  type: list
cmd:
  description: The tfix command line run.
  returned: always
  type: list
rc:
  description: tfix's exit code (0 ok, 1 a process failed, 2 usage error, 3 some skipped, 4 no process matched).
  returned: when tfix ran
  type: int
stderr_lines:
  description: tfix's human-readable text (with --json it goes to standard error).
  returned: when tfix ran
  type: list
'''

import json
import os

try:
    from ansible.module_utils.basic import AnsibleModule
except ImportError:  # the unit tests use the logic below without Ansible installed
    AnsibleModule = None

SCHEMA_PREFIX = 'tfix/'
# Outcomes that mean a process was changed; every other one (already, verified, listed, done...) leaves it as it was.
CHANGING = ('patched', 'reverted')
NO_PROCESS_MATCHED = 4  # tfix's exit code when --all PATH matched no process
EXIT_CODES = (0, 1, 3, NO_PROCESS_MATCHED)  # the codes after which tfix's JSON tells what happened; 2 is a usage error


class BadArguments(Exception):
    """Options that cannot go together: one line naming the cause and the remedy."""


def check_arguments(params):
    """Refuses what tfix would refuse later, or worse, misread; returns nothing."""
    state = params.get('state') or 'applied'
    if (params.get('pid') is None) == (params.get('program') is None):
        raise BadArguments('give exactly one of pid (one process) and program (every process running or mapping the file)')
    if params.get('pid') is not None and params['pid'] < 1:
        raise BadArguments('pid must be a process id (1 or more), got %d' % params['pid'])
    if params.get('program') is not None and not os.path.isabs(params['program']):
        raise BadArguments('program must be an absolute path on the managed host, got %r' % params['program'])
    if params.get('parallel') is not None and params['parallel'] < 1:
        raise BadArguments('parallel must be 1 or more, got %d' % params['parallel'])
    if params.get('parallel') is not None and params.get('program') is None:
        raise BadArguments('parallel works with program (several processes), not with pid')
    if state == 'applied':
        if not params.get('script'):
            raise BadArguments('state=applied needs script: the .tfix.groovy runbook to run')
        if params.get('functions'):
            raise BadArguments('functions is for state=reverted; with state=applied the script says what to replace')
        if not os.path.isabs(params['script']):
            raise BadArguments('script must be an absolute path on the managed host, got %r' % params['script'])
    elif state == 'reverted':
        if params.get('script'):
            raise BadArguments('state=reverted reverts functions by name and runs no script: drop script, list functions')
        functions = params.get('functions') or []
        if not functions or any(not f or not f.strip() for f in functions):
            raise BadArguments('state=reverted needs functions: the names to put back, e.g. [score_for_kill]')
    else:
        raise BadArguments('state must be applied or reverted, got %r' % state)


def target_args(params):
    if params.get('pid') is not None:
        return ['--pid', str(params['pid'])]
    args = ['--all', params['program']]
    if params.get('parallel') is not None:
        args += ['--parallel', str(params['parallel'])]
    return args


def build_command(params, check_mode, tfix_path):
    """The tfix command line for these options; check mode changes nothing in any process."""
    state = params.get('state') or 'applied'
    if state == 'applied':
        cmd = [tfix_path, 'run']
        if check_mode:
            cmd.append('--dry-run')
        return cmd + [params['script']] + target_args(params) + ['--json']
    if check_mode:
        # revert has no dry run; status reads each record without attaching and shows what is in force.
        return [tfix_path, 'status'] + target_args(params) + ['--json']
    # `--` ends the options: a function name is never read as one.
    return [tfix_path, 'revert'] + target_args(params) + ['--json', '--'] + list(params['functions'])


def parse_results(stdout):
    """tfix's JSON Lines: (processes, summary or None, lines that were not tfix/1 results).

    Read defensively: fields may be added or missing; only kind, pid, outcome, reason, message and the
    summary's counts are relied on."""
    processes, summary, other = [], None, []
    for line in (stdout or '').splitlines():
        text = line.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            other.append(line)
            continue
        if not isinstance(value, dict) or not str(value.get('schema', '')).startswith(SCHEMA_PREFIX):
            other.append(line)
        elif value.get('kind') == 'process':
            processes.append(value)
        elif value.get('kind') == 'summary':
            summary = value
        else:
            other.append(line)
    return processes, summary, other


def outcome(process):
    return str(process.get('outcome') or 'unknown')


def count(processes):
    """A summary counted from the processes, for --pid (tfix prints none there)."""
    counts = {'processes': len(processes)}
    for name in ('patched', 'already', 'reverted', 'verified', 'listed', 'done', 'skipped', 'failed', 'gone'):
        counts[name] = 0
    for p in processes:
        counts[outcome(p)] = counts.get(outcome(p), 0) + 1
    return counts


def failure_of(process):
    return {'pid': process.get('pid'), 'program': process.get('program'), 'outcome': outcome(process),
            'reason': process.get('reason'), 'message': process.get('message')}


def would_revert(processes, functions):
    """For check mode of state=reverted: per process, which of the functions have a patch in force."""
    wanted = set(functions)
    found = []
    for p in processes:
        sites = p.get('sites') if isinstance(p.get('sites'), list) else []
        names = sorted({s.get('function') for s in sites if isinstance(s, dict) and s.get('function') in wanted})
        if names:
            found.append({'pid': p.get('pid'), 'program': p.get('program'), 'functions': names})
    return found


def describe(summary, verb):
    keys = ('patched', 'already', 'reverted', 'verified', 'done', 'skipped', 'failed', 'gone')
    parts = ['%d %s' % (summary[k], k) for k in keys if isinstance(summary.get(k), int) and summary[k]]
    n = summary.get('processes', 0)
    return 'tfix %s: %s process%s%s' % (verb, n, '' if n == 1 else 'es', (': ' + ', '.join(parts)) if parts else '')


def last_lines(text, n=3):
    lines = [l for l in (text or '').splitlines() if l.strip()]
    return ' / '.join(lines[-n:])


def judge(params, check_mode, cmd, rc, stdout, stderr):
    """The module's result from tfix's exit code and output: a dict with changed, failed and msg."""
    processes, summary, other = parse_results(stdout)
    verb = cmd[1] if len(cmd) > 1 else 'tfix'
    result = {'cmd': cmd, 'rc': rc, 'processes': processes, 'summary': summary or count(processes),
              'failures': [], 'stderr_lines': (stderr or '').splitlines(), 'changed': False, 'failed': False}
    if other:
        result['stdout_lines'] = other
    state = params.get('state') or 'applied'
    if check_mode and state == 'reverted':
        result['would_revert'] = would_revert(processes, params.get('functions') or [])

    if rc not in EXIT_CODES or (not processes and summary is None and rc != NO_PROCESS_MATCHED):
        if '--json' in (stderr or '') and ('Unknown option' in stderr or 'Unmatched argument' in stderr):
            why = 'this tfix has no --json (it predates fleets): upgrade tfix on the host'
        elif rc == 0:
            why = 'tfix printed no result (no tfix/1 JSON line on its output): is the tfix option a tfix launcher?'
        else:
            why = last_lines(stderr) or last_lines(stdout) or 'no message'
        result.update(failed=True, msg='tfix %s failed (exit %s): %s' % (verb, rc, why))
        return result

    if rc == NO_PROCESS_MATCHED or (summary is not None and summary.get('processes') == 0 and not processes):
        what = params.get('program') or params.get('pid')
        result['msg'] = 'no process runs or maps %s' % what
        result['failed'] = bool(params.get('fail_on_no_process'))
        return result

    failures = [failure_of(p) for p in processes if outcome(p) == 'failed']
    if params.get('fail_on_skipped', True):
        failures += [failure_of(p) for p in processes if outcome(p) == 'skipped']
    result['failures'] = failures
    result['changed'] = not check_mode and any(outcome(p) in CHANGING for p in processes)
    msg = describe(result['summary'], verb + (' (dry run)' if check_mode else ''))
    if 'would_revert' in result:
        found = result['would_revert']
        msg += '; would revert %s in %d of %d process%s' % (', '.join(params['functions']), len(found), len(processes),
                                                            '' if len(processes) == 1 else 'es')
    if failures:
        result['failed'] = True
        msg += '; ' + '; '.join('pid %s %s (%s): %s' % (f['pid'], f['outcome'], f['reason'], f['message']) for f in failures)
    elif rc == 1:
        # tfix says something failed without a failed process (e.g. with --pid, a process that was gone).
        result['failed'] = True
        msg += '; tfix exited 1: ' + (last_lines(stderr) or 'no message')
    result['msg'] = msg
    return result


def find_tfix(module, name):
    if '/' in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    return module.get_bin_path(name, required=False)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            script=dict(type='path'),
            pid=dict(type='int'),
            program=dict(type='path'),
            state=dict(type='str', default='applied', choices=['applied', 'reverted']),
            functions=dict(type='list', elements='str'),
            tfix=dict(type='str', default='tfix'),
            parallel=dict(type='int'),
            fail_on_skipped=dict(type='bool', default=True),
            fail_on_no_process=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('pid', 'program')],
        required_one_of=[('pid', 'program')],
        supports_check_mode=True,
    )
    params = module.params
    try:
        check_arguments(params)
    except BadArguments as e:
        module.fail_json(msg=str(e))
    if params['state'] == 'applied' and not os.path.isfile(params['script']):
        module.fail_json(msg='script %s does not exist on this host: copy the runbook there first' % params['script'])
    if params.get('program') and not os.path.exists(params['program']):
        module.fail_json(msg='program %s does not exist on this host' % params['program'])
    tfix_path = find_tfix(module, params['tfix'])
    if tfix_path is None:
        module.fail_json(msg='tfix launcher %r not found (or not executable) on this host: set the tfix option to its path'
                         % params['tfix'])

    cmd = build_command(params, module.check_mode, tfix_path)
    rc, stdout, stderr = module.run_command(cmd, check_rc=False)
    result = judge(params, module.check_mode, cmd, rc, stdout, stderr)
    if result.pop('failed'):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
