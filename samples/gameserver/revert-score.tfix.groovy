// Undo fix-score: send score_for_kill calls back to the original (buggy) code.
attach pid
revert 'score_for_kill'
status
detach
