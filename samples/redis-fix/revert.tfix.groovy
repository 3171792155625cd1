// Undo fix.tfix.groovy: hincrbyfloatCommand runs its original (buggy) code again.
attach pid
revert 'hincrbyfloatCommand'
status
detach
