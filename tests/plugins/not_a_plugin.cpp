// An ordinary shared library: it exports a function, but not the plugin entry symbol.

extern "C" __attribute__((visibility("default"))) int smoops_test_answer() { return 42; }
