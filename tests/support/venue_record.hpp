#pragma once
// The simulated exchange's own record of a bot's trading, read from its journal
// (docs/sim-exchange.md, "State file"), to compare with what the store holds.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/daemon_fixture.hpp"

namespace smoops::test {

struct VenueFill {
  std::string client_order_id;
  std::string side;
  std::int64_t price = 0, quantity = 0, fee = 0;
  friend bool operator==(const VenueFill&, const VenueFill&) = default;
};

/// What the exchange's journal says happened.
struct VenueRecord {
  std::map<std::string, int> orders_received;  // client order id -> times received (a double send: 2)
  std::map<std::string, std::string> final_status;
  std::map<std::string, std::int64_t> quantity, filled;
  std::map<std::string, VenueFill> fills;      // trade id -> fill
  std::int64_t base = 0, quote = 0;            // balances after the last fill
  std::int64_t max_base = 0;                   // the largest position it ever held
  bool any_fill = false;
};

inline VenueRecord read_venue(const std::filesystem::path& journal) {
  VenueRecord venue;
  std::ifstream in(journal);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const Json record = Json::parse(line);
    const std::string type = record.at("type");
    if (type == "order") {
      // One line per submit: a second one for the same id is a double send, which the venue
      // rejected without touching the order it received first.
      const std::string id = record.at("client_order_id");
      if (++venue.orders_received[id] > 1) continue;
      venue.final_status[id] = record.at("status");
      venue.quantity[id] = fixed_e8(record.at("quantity"));
    } else if (type == "status") {
      venue.final_status[record.at("client_order_id")] = record.at("status");
    } else if (type == "fill") {
      VenueFill fill{record.at("client_order_id"), record.at("side"), fixed_e8(record.at("price")),
                     fixed_e8(record.at("quantity")), fixed_e8(record.at("fee"))};
      EXPECT_TRUE(venue.fills.emplace(record.at("trade_id").get<std::string>(), fill).second)
          << "the exchange reported trade " << record.at("trade_id") << " twice";
      venue.base = fixed_e8(record.at("base_balance"));
      venue.quote = fixed_e8(record.at("quote_balance"));
      venue.max_base = std::max(venue.max_base, venue.base);
      venue.any_fill = true;
      venue.filled[fill.client_order_id] += fill.quantity;
      venue.final_status[fill.client_order_id] =
          venue.filled[fill.client_order_id] == venue.quantity[fill.client_order_id] ? "filled" : "partially_filled";
    }
  }
  return venue;
}

/// Checks that the exchange received every order once: a host that sent one twice fails here.
inline void expect_each_order_received_once(const VenueRecord& venue) {
  for (const auto& [id, times] : venue.orders_received)
    EXPECT_EQ(times, 1) << "the exchange received order " << id << " " << times << " times";
}

/// Checks that the store holds exactly what the exchange did for `bot`: the same fills (none
/// lost, none doubled), every order the exchange received journaled, received once and ending in
/// the same status, no order left open, and the exchange's balances as the stored position and
/// cash. Returns how many journaled orders never reached the exchange (they must be rejected or
/// denied).
inline std::size_t expect_store_matches_venue(pqxx::work& work, const std::string& bot, const VenueRecord& venue) {
  // Every fill the exchange made is stored, once, exactly as the exchange made it; no other.
  std::map<std::string, VenueFill> stored;
  for (const auto& row : work.exec_params(
           "SELECT trade_id, client_order_id, side, price::text, quantity::text, fee::text FROM fills WHERE bot = $1",
           bot)) {
    stored[row[0].c_str()] = VenueFill{row[1].c_str(), row[2].c_str(), fixed_e8(row[3].c_str()),
                                       fixed_e8(row[4].c_str()), fixed_e8(row[5].c_str())};
  }
  EXPECT_EQ(stored.size(), venue.fills.size());
  EXPECT_TRUE(stored == venue.fills) << "fills in the database differ from the exchange's";

  // Every order the exchange received was received once, was journaled first, and ended in the
  // same status on both sides.
  expect_each_order_received_once(venue);
  std::map<std::string, std::string> db_status;
  for (const auto& row : work.exec_params("SELECT client_order_id, status FROM orders WHERE bot = $1", bot))
    db_status[row[0].c_str()] = row[1].c_str();
  for (const auto& [id, times] : venue.orders_received) {
    EXPECT_TRUE(db_status.count(id)) << "order " << id << " reached the exchange without being journaled";
    if (db_status.count(id)) {
      EXPECT_EQ(db_status.at(id), venue.final_status.at(id)) << "order " << id;
    }
  }
  // Orders journaled but never received are marked rejected or were denied; none is left open.
  std::size_t never_received = 0;
  for (const auto& [id, status] : db_status) {
    if (venue.orders_received.count(id)) continue;
    ++never_received;
    EXPECT_TRUE(status == "rejected" || status == "denied") << id << " is " << status;
  }
  // The stored position and cash are the exchange's balances.
  EXPECT_TRUE(venue.any_fill);
  const auto position =
      work.exec_params1("SELECT quantity::text, cash::text, fill_count FROM positions WHERE bot = $1", bot);
  EXPECT_EQ(fixed_e8(position[0].c_str()), venue.base);
  EXPECT_EQ(fixed_e8(position[1].c_str()), venue.quote);
  EXPECT_EQ(position[2].as<std::size_t>(), venue.fills.size());

  return never_received;
}

}  // namespace smoops::test
