// A library the missing_dependency plugin links against; it is built where the loader will not
// look, so loading that plugin fails the way a plugin with a missing dependency does.

extern "C" __attribute__((visibility("default"))) int smoops_test_dependency_level() { return 3; }
