#pragma once
// What the simulated exchange writes in its journal, one JSON object per line (the format is
// documented in docs/sim-exchange.md, "State file"), and how such a line reads back.

#include <string>
#include <string_view>
#include <variant>

#include "smoops/fixed_point.hpp"
#include "smoops/order.hpp"
#include "smoops/time.hpp"

namespace smoops::sim {

/// The account the journal belongs to; its first line.
struct AccountRecord {
  std::string symbol;
  std::string base_asset;
  std::string quote_asset;
  Money initial_cash;
};

/// An order the venue received, with its answer: status accepted, submitted (post-only, answered
/// at its first bar) or rejected (then with a reason). `updated_ts` is when it was received. Every
/// submit has one, a client order id sent again included (rejected as a duplicate).
struct OrderRecord {
  Order order;
};

/// A later status change of an order: accepted, triggered, canceled, expired or rejected.
struct StatusRecord {
  OrderUpdate update;
};

/// A fill, with the account's totals right after it.
struct FillRecord {
  Fill fill;
  Money quote_balance;
  Money base_balance;
};

/// The venue matched its working orders against the market event (bar or trade) at `ts`; written
/// before the first thing that event changed.
struct BarRecord {
  Timestamp ts;
  Price close;
};

/// One line of the journal.
using SimRecord = std::variant<AccountRecord, OrderRecord, StatusRecord, FillRecord, BarRecord>;

/// The record as one line of JSON, without the newline.
std::string to_json_line(const SimRecord& record);
/// Reads one line back; throws std::runtime_error saying what is wrong with it (not where).
SimRecord parse_record(std::string_view line);

}  // namespace smoops::sim
