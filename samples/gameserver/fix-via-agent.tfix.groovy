// Both fixes, for a server that forbids ptrace (GAMESERVER_UNDUMPABLE=1, tfix without CAP_SYS_PTRACE):
// through the server's in-process agent (started with LD_PRELOAD="$(tfix agent --path)").
// The same record as through ptrace: `tfix status|verify|revert --pid` work on it either way.
attach pid, via: 'agent'
apply '../build/libfix_score.so'      // its fix table: replace score_for_kill with score_for_kill_v2
replace 'pick_mvp' with 'pick_mvp_v2' from '../build/libfix_mvp.so', original: 'pick_mvp_orig'
verify
where 'accept_thread'                  // read without a stop: the accept thread waits in accept; running ones are named
status
detach
