// Redis commit 1c1bd618c, live: HINCRBYFLOAT refuses NaN/Infinity before it creates the key.
// run.sh copies this runbook next to the patch it builds (paths resolve against the script's folder).
// The patch's own fix table names the replace and pins the redis-server build-id.
attach pid
plan { apply 'libfix_hincrbyfloat.so' }
apply 'libfix_hincrbyfloat.so'
verify
status
detach
