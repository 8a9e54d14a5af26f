#pragma once
// An out-of-tree strategy, built only against the installed SDK: buys `quantity` on the first
// live bar and holds it.
#include <smoops/smoops.hpp>

class BuyAndHold final : public smoops::Strategy {
 public:
  explicit BuyAndHold(const smoops::Params& params) {
    params.allow_only({"quantity"});
    quantity_ = params.get_fixed<smoops::Quantity>("quantity");
    if (!quantity_.is_positive())
      smoops::Params::fail(params.at("quantity").mark(), "quantity: must be positive");
  }

  void on_bar(smoops::Context& ctx, const smoops::Bar&) override {
    if (bought_ || ctx.warming_up()) return;  // an order while warming up would only be denied
    bought_ = true;
    smoops::OrderRequest request;
    request.side = smoops::Side::Buy;
    request.quantity = quantity_;
    const smoops::SubmitResult result = ctx.submit(request);
    if (!result.accepted) ctx.log().warn("buy denied: " + result.reason);
  }

 private:
  smoops::Quantity quantity_;
  bool bought_ = false;
};
