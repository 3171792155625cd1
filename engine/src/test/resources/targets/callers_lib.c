/* A library exporting a 4-byte function (with another symbol right behind it): other modules bind to it by name. */
__asm__(".text\n"
        ".globl lib_plus_one\n.type lib_plus_one, @function\n"
        "lib_plus_one:\n  lea 1(%rdi), %eax\n  ret\n.size lib_plus_one, .-lib_plus_one\n"
        ".globl lib_plus_two\n.type lib_plus_two, @function\n"
        "lib_plus_two:\n  lea 2(%rdi), %eax\n  ret\n.size lib_plus_two, .-lib_plus_two\n");
