// Keep benched players from being MVP, in a running gameserver, without a restart.
// The fix uses the server's static benched[] and player_rating() (tfix binds them)
// and calls the original pick_mvp through a relocated copy of its first instructions.
attach pid
plan { replace 'pick_mvp' with 'pick_mvp_v2' from '../build/libfix_mvp.so', original: 'pick_mvp_orig' }
replace 'pick_mvp' with 'pick_mvp_v2' from '../build/libfix_mvp.so', original: 'pick_mvp_orig'
verify
status
detach
