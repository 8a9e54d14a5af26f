// A valid strategy plugin. Its `level` parameter must lie in [1, 10], so tests can provoke a
// ParamError from inside a plugin; on_start logs the level so tests can see the instance work.

#include <string>

#include "smoops/plugin.hpp"

namespace {

class TestGoodStrategy : public smoops::Strategy {
 public:
  explicit TestGoodStrategy(const smoops::Params& params) : level_(params.get_int_in("level", 1, 10, 5)) {}

  void on_start(smoops::Context& context) override {
    context.log().info("test_good started at level " + std::to_string(level_));
  }

 private:
  std::int64_t level_;
};

}  // namespace

SMOOPS_PLUGIN("test_good", "2.3.4", TestGoodStrategy)
