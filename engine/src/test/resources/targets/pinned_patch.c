/* A patch that says which build of the target it was made for. */
const char tfix_target_build_id[] __attribute__((used)) = "00112233445566778899aabbccddeeff00112233";
int tiny_v2(int x) { return x + 100; }
