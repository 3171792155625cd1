// Fix the kill-streak bonus in a running gameserver without a restart.
attach pid
apply '../build/libfix_score.so'      // its fix table: replace score_for_kill with score_for_kill_v2
verify
status
detach
