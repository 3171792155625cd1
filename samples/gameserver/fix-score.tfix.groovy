// Fix the kill-streak bonus in a running gameserver without a restart.
attach pid
replace 'score_for_kill' with 'score_for_kill_v2' from '../build/libfix_score.so'
verify
status
detach
