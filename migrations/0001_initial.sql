-- 0001: the store's first schema. Money, prices and quantities are numeric(28,8): the engine's
-- fixed-point values (8 decimals) stored exactly. Times written by the engine (`*_ts`) are
-- nanoseconds since the Unix epoch in UTC (bigint), exactly as the engine has them; columns named
-- `*_at` are wall-clock times of the database.

-- One row per bot a daemon has run (paper or live). `owner` says which daemon holds it now; the
-- ownership itself is a session advisory lock (docs/store.md).
CREATE TABLE bots (
  name          text PRIMARY KEY,
  mode          text NOT NULL CHECK (mode IN ('paper', 'live')),
  symbol        text NOT NULL,
  initial_cash  numeric(28, 8) NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  owner         text,
  owner_since   timestamptz,
  last_bar_ts   bigint          -- the last market bar the bot fully processed: where a replay resumes
);

-- One row per backtest, and per paper or live session of a bot (a daemon start or restart).
CREATE TABLE runs (
  id            bigserial PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('backtest', 'paper', 'live')),
  bot           text NOT NULL,
  symbol        text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  ended_at      timestamptz,
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
  end_reason    text,
  config_file   text,
  config_yaml   text NOT NULL,  -- the bot file's text as it was run
  code_version  text NOT NULL,  -- smoops version and the plugins' names and versions
  data_file     text,
  initial_cash  numeric(28, 8) NOT NULL,
  final_equity  numeric(28, 8),
  bars          bigint,
  trades        integer,
  summary       jsonb           -- a backtest's statistics, as in its JSON report
);
CREATE INDEX runs_bot_idx ON runs (bot, started_at);

-- Every order that left (or was refused by) the engine of a paper or live bot. The row is
-- written before the order is handed to the exchange (write-ahead) and then follows its
-- lifecycle; `version` counts its events so that an update never moves it backwards.
CREATE TABLE orders (
  client_order_id    text PRIMARY KEY,
  bot                text NOT NULL REFERENCES bots (name),
  run_id             bigint REFERENCES runs (id),
  seq                bigint NOT NULL,             -- the bot's order sequence: "<bot>-<seq>"
  exchange_order_id  text,
  symbol             text NOT NULL,
  side               text NOT NULL CHECK (side IN ('buy', 'sell')),
  type               text NOT NULL,
  time_in_force      text NOT NULL,
  quantity           numeric(28, 8) NOT NULL,
  limit_price        numeric(28, 8) NOT NULL,
  stop_price         numeric(28, 8) NOT NULL,
  tag                text NOT NULL DEFAULT '',
  status             text NOT NULL,
  reason             text NOT NULL DEFAULT '',
  filled_quantity    numeric(28, 8) NOT NULL,
  filled_notional    numeric(28, 8) NOT NULL,
  created_ts         bigint NOT NULL,
  updated_ts         bigint NOT NULL,
  version            integer NOT NULL,
  UNIQUE (bot, seq)
);
CREATE INDEX orders_open_idx ON orders (bot)
  WHERE status NOT IN ('denied', 'canceled', 'rejected', 'expired', 'filled');

-- Each change of an order, in order. Idempotent: (client_order_id, version) is written once.
CREATE TABLE order_events (
  client_order_id  text NOT NULL REFERENCES orders (client_order_id),
  version          integer NOT NULL,
  status           text NOT NULL,
  reason           text NOT NULL DEFAULT '',
  filled_quantity  numeric(28, 8) NOT NULL,
  ts               bigint NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_order_id, version)
);

-- Executions, stored once per exchange trade id.
CREATE TABLE fills (
  bot              text NOT NULL REFERENCES bots (name),
  trade_id         text NOT NULL,
  client_order_id  text NOT NULL REFERENCES orders (client_order_id),
  run_id           bigint REFERENCES runs (id),
  side             text NOT NULL CHECK (side IN ('buy', 'sell')),
  price            numeric(28, 8) NOT NULL,
  quantity         numeric(28, 8) NOT NULL CHECK (quantity > 0),
  fee              numeric(28, 8) NOT NULL,
  liquidity        text NOT NULL CHECK (liquidity IN ('maker', 'taker')),
  ts               bigint NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bot, trade_id)
);
CREATE INDEX fills_order_idx ON fills (client_order_id);

-- A bot's account after its latest fill: what recovery starts from. `fill_count` only grows, so
-- an older state never overwrites a newer one.
CREATE TABLE positions (
  bot                  text NOT NULL REFERENCES bots (name),
  symbol               text NOT NULL,
  quantity             numeric(28, 8) NOT NULL,
  average_entry_price  numeric(28, 8) NOT NULL,
  cost_basis           numeric(28, 8) NOT NULL,
  realized_pnl         numeric(28, 8) NOT NULL,
  fees                 numeric(28, 8) NOT NULL,
  cash                 numeric(28, 8) NOT NULL,
  fill_count           bigint NOT NULL,
  ts                   bigint NOT NULL,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bot, symbol)
);

-- Equity over time: one point per bar of a paper or live bot, and a backtest's equity curve.
CREATE TABLE equity (
  run_id    bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  ts        bigint NOT NULL,
  equity    numeric(28, 8) NOT NULL,
  cash      numeric(28, 8) NOT NULL,
  position  numeric(28, 8) NOT NULL,
  PRIMARY KEY (run_id, ts)
);

-- The round trips of a backtest (docs/backtest-output.md).
CREATE TABLE backtest_trades (
  run_id       bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  n            integer NOT NULL,
  direction    text NOT NULL CHECK (direction IN ('long', 'short')),
  entry_ts     bigint NOT NULL,
  entry_price  numeric(28, 8) NOT NULL,
  exit_ts      bigint NOT NULL,
  exit_price   numeric(28, 8) NOT NULL,
  quantity     numeric(28, 8) NOT NULL,
  pnl          numeric(28, 8) NOT NULL,
  fees         numeric(28, 8) NOT NULL,
  PRIMARY KEY (run_id, n)
);
