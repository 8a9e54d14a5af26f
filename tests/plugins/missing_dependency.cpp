// A valid plugin that needs libsmoops_test_dep.so, which is not on the loader's search path.

#include "smoops/plugin.hpp"

extern "C" int smoops_test_dependency_level();

namespace {

class NeedsDependency : public smoops::Strategy {
 public:
  // Calling into the dependency keeps the linker from dropping it as unneeded.
  explicit NeedsDependency(const smoops::Params&) : level_(smoops_test_dependency_level()) {}
  int level() const { return level_; }

 private:
  int level_;
};

}  // namespace

SMOOPS_PLUGIN("test_missing_dependency", "1.0.0", NeedsDependency)
