// BuyAndHold under the SDK's test kit (smoops/testing.hpp), with no test framework: the
// process exits 0 when every check passed and prints each failure otherwise.
#include <smoops/testing.hpp>

#include <iostream>
#include <vector>

#include "buy_and_hold.hpp"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (ok) return;
  std::cerr << "FAILED: " << what << "\n";
  ++failures;
}

smoops::Params params(const char* quantity) {
  smoops::Params p = smoops::Params::map({}, "strategy.params");
  p.add("quantity", smoops::Params::scalar(quantity, {}, "strategy.params.quantity"));
  return p;
}

std::vector<smoops::Bar> bars(int count) {
  std::vector<smoops::Bar> result;
  for (int i = 0; i < count; ++i) {
    smoops::Bar bar;
    bar.ts = smoops::Timestamp::from_millis(1'700'000'000'000 + i * 60'000);
    bar.open = bar.high = bar.low = bar.close = smoops::Price::from_units(100 + i);
    result.push_back(bar);
  }
  return result;
}

}  // namespace

int main() {
  {
    BuyAndHold strategy(params("2"));
    smoops::testing::StrategyDriver driver(strategy, "hold");
    driver.run(bars(3));
    const auto& submits = driver.context().submits();
    check(submits.size() == 1, "one order over three bars");
    check(!submits.empty() && submits[0].result.client_order_id == "hold-1", "the order is hold-1");
    check(!submits.empty() && submits[0].request.quantity == smoops::Quantity::from_units(2), "it buys 2");
    check(driver.context().position().quantity == smoops::Quantity::from_units(2), "it holds 2");
  }
  {
    BuyAndHold strategy(params("1"));
    smoops::testing::StrategyDriver driver(strategy, "hold");
    const std::vector<smoops::Bar> all = bars(5);
    driver.warm_up(std::span(all).first(4));
    check(driver.context().submits().empty(), "nothing submitted while warming up");
    driver.bar(all[4]);
    check(driver.context().accepted_submits().size() == 1, "it buys on the first live bar");
  }
  if (failures == 0) std::cout << "buy_and_hold_test: all checks passed\n";
  return failures == 0 ? 0 : 1;
}
