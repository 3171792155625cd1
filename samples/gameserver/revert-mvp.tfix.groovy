// Undo fix-mvp: pick_mvp runs its original (bench-blind) code again.
// The relocated copy of the original stays mapped: a call may still be running in it.
attach pid
revert 'pick_mvp'
status
detach
