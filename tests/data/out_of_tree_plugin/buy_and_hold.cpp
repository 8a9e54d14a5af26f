// The plugin's entry point (the strategy is in buy_and_hold.hpp, which its test includes too).
#include "buy_and_hold.hpp"

SMOOPS_PLUGIN("buy_and_hold", "0.1.0", BuyAndHold)
