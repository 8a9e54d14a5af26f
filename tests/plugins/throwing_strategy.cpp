// A strategy that fails on purpose: it buys on its first bar, then throws from on_bar at bar
// `throw_at_bar`, so tests can check that a faulty plugin halts only its own bot.
#include <smoops/smoops.hpp>

#include <stdexcept>
#include <string>

class ThrowingStrategy final : public smoops::Strategy {
 public:
  explicit ThrowingStrategy(const smoops::Params& params)
      : throw_at_bar_(params.get_int_in("throw_at_bar", 1, 1'000'000'000)) {
    params.allow_only({"throw_at_bar"});
  }

  void on_bar(smoops::Context& ctx, const smoops::Bar& bar) override {
    ++bars_;
    if (bars_ == 1) {
      smoops::OrderRequest buy;
      buy.quantity = ctx.instrument().lot_size;
      ctx.submit(buy);
    }
    if (bars_ == throw_at_bar_)
      throw std::runtime_error("deliberate failure at bar " + std::to_string(bars_) + " (close " +
                               bar.close.to_string() + ")");
  }

 private:
  std::int64_t throw_at_bar_;
  std::int64_t bars_ = 0;
};

SMOOPS_PLUGIN("test_throwing", "1.0.0", ThrowingStrategy)
