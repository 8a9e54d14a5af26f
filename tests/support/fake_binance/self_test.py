#!/usr/bin/python3
"""Self-test of the fake Binance server: starts it as a real process on a free port with a small
CSV and checks, over real sockets, what the connector's tests rely on. Exit status 0 = all passed.

Run: /usr/bin/python3 tests/support/fake_binance/self_test.py   (CTest: fake_binance.self_test)
"""

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from urllib.parse import urlencode

import aiohttp

HERE = os.path.dirname(os.path.abspath(__file__))
# rest-api.md "SIGNED Endpoint Examples for POST /api/v3/order", "HMAC Keys": the docs' example key.
DOCS_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DOCS_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOCS_PAYLOAD = ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                "&timestamp=1499827319559")
DOCS_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
DOCS_TIMESTAMP = 1499827319559

T0 = 1700000000000
STEP = 300000  # 5m
# open, high, low, close: bars 0-2 are history; 3 fills the market buy at its open 99.00; the
# limit buy at 97.00 rests through bar 4 (low 98.00) and fills on bar 5 (low 96.50).
BARS = [("100.00", "101.00", "99.00", "100.50"), ("100.50", "102.00", "100.00", "101.00"),
        ("101.00", "101.50", "98.00", "99.00"), ("99.00", "100.00", "98.50", "99.50"),
        ("99.50", "100.00", "98.00", "98.50"), ("98.00", "98.50", "96.50", "97.50")] + \
       [("97.50", "98.00", "97.00", "97.80")] * 6
START_BAR = 3


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def write_csv(folder):
    path = os.path.join(folder, "bars.csv")
    with open(path, "w") as file:
        file.write("timestamp,open,high,low,close,volume\n")
        for index, (o, h, low, c) in enumerate(BARS):
            file.write(f"{T0 + index * STEP},{o},{h},{low},{c},10.5\n")
    return path


def start_server(folder, name, extra):
    port_file = os.path.join(folder, f"{name}.port")
    command = [sys.executable, os.path.join(HERE, "fake_binance.py"), "--port", "0", "--port-file", port_file,
               "--symbol", "BTCUSDT", "--base", "BTC", "--quote", "USDT", "--tick-size", "0.01",
               "--lot-size", "0.00001", "--min-notional", "5", "--klines", write_csv(folder), "--interval", "5m",
               "--start-bar", str(START_BAR), "--api-key", DOCS_API_KEY, "--secret", DOCS_SECRET,
               "--balance", "USDT=10000", "--balance", "BTC=0", "--commission-bps", "10",
               "--log", os.path.join(folder, f"{name}.log")] + extra
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 15
    while not os.path.exists(port_file):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the fake did not start (exit {process.poll()})")
        time.sleep(0.05)
    with open(port_file) as file:
        return process, int(file.read())


class Client:
    def __init__(self, session, port):
        self.session = session
        self.base = f"http://127.0.0.1:{port}"
        self.ws_base = f"ws://127.0.0.1:{port}"

    async def call(self, method, path, params=None, signed=False, signature=None):
        params = dict(params or {})
        headers = {}
        if signed:
            params.setdefault("timestamp", int(time.time() * 1000))
            query = urlencode(params)
            sig = signature or hmac.new(DOCS_SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
            query += "&signature=" + sig
            headers["X-MBX-APIKEY"] = DOCS_API_KEY
        else:
            query = urlencode(params)
        async with self.session.request(method, f"{self.base}{path}?{query}", headers=headers) as response:
            return response.status, await response.json(), response.headers

    async def control(self, action, body=None):
        method = "GET" if action == "state" else "POST"
        async with self.session.request(method, f"{self.base}/fake/{action}", json=body) as response:
            answer = await response.json()
            check(response.status == 200, f"/fake/{action}: {response.status} {answer}")
            return answer


async def next_json(ws, timeout=5):
    message = await ws.receive(timeout=timeout)
    check(message.type == aiohttp.WSMsgType.TEXT, f"expected a text frame, got {message.type}")
    return json.loads(message.data)


async def next_event(ws, event_type):
    while True:
        frame = await next_json(ws)
        if "event" in frame and frame["event"]["e"] == event_type:
            return frame


async def test_exchange_info(client):
    status, info, headers = await client.call("GET", "/api/v3/exchangeInfo")
    check(status == 200 and headers.get("X-MBX-USED-WEIGHT-1M") == "20", f"exchangeInfo {status} {headers}")
    symbol = info["symbols"][0]
    filters = {f["filterType"]: f for f in symbol["filters"]}
    check(symbol["symbol"] == "BTCUSDT" and symbol["baseAsset"] == "BTC" and symbol["quoteAsset"] == "USDT", symbol)
    check(filters["PRICE_FILTER"]["tickSize"] == "0.01000000", filters)
    check(filters["LOT_SIZE"]["stepSize"] == "0.00001000" and filters["LOT_SIZE"]["minQty"] == "0.00001000", filters)
    check(filters["NOTIONAL"]["minNotional"] == "5.00000000", filters)
    limits = {(r["rateLimitType"], r["interval"]): r for r in info["rateLimits"]}
    check(limits[("REQUEST_WEIGHT", "MINUTE")]["limit"] == 6000, info["rateLimits"])


async def test_klines(client):
    async def opens(**params):
        status, rows, _ = await client.call("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "5m", **params})
        check(status == 200, f"klines {params}: {status} {rows}")
        return [row[0] for row in rows]

    closed = [T0, T0 + STEP, T0 + 2 * STEP]  # the current bar 3 is not closed: never returned
    check(await opens() == closed, "klines without a range: the closed bars")
    check(await opens(limit=2) == closed[1:], "klines limit=2: the most recent two")
    check(await opens(startTime=T0, limit=2) == closed[:2], "klines startTime: the oldest from it")
    check(await opens(endTime=T0 + STEP) == closed[:2], "klines endTime: up to it")
    check(await opens(startTime=T0 + STEP, endTime=T0 + 9 * STEP) == closed[1:], "klines start and end")
    status, rows, _ = await client.call("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "5m", "limit": 1})
    check(rows[0][1:6] == ["101.00000000", "101.50000000", "98.00000000", "99.00000000", "10.50000000"]
          and rows[0][6] == T0 + 3 * STEP - 1, f"kline row shape {rows}")
    status, error, _ = await client.call("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "7m"})
    check(status == 400 and error["code"] == -1120, f"bad interval: {status} {error}")
    status, error, _ = await client.call("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "5m",
                                                                   "limit": "x"})
    check(status == 400 and error["code"] == -1100, f"malformed limit: {status} {error}")


async def test_signatures(client):
    check(hmac.new(DOCS_SECRET.encode(), DOCS_PAYLOAD.encode(), hashlib.sha256).hexdigest() == DOCS_SIGNATURE,
          "the docs' example signature")
    # The docs' exact request, with the server's clock at the docs' timestamp: the signature passes,
    # so the order is refused for its symbol (LTCBTC) and not for its signature.
    await client.control("faults", {"clock_skew_ms": DOCS_TIMESTAMP + 100 - int(time.time() * 1000)})
    for signature, code in ((DOCS_SIGNATURE, -1121), (DOCS_SIGNATURE.upper(), -1121), ("0" * 64, -1022)):
        async with client.session.post(f"{client.base}/api/v3/order?{DOCS_PAYLOAD}&signature={signature}",
                                       headers={"X-MBX-APIKEY": DOCS_API_KEY}) as response:
            answer = await response.json()
            check(answer.get("code") == code, f"docs request signed {signature[:8]}: {answer}")
    await client.control("faults", {"clock_skew_ms": 0})
    status, account, _ = await client.call("GET", "/api/v3/account", signed=True)
    balances = {b["asset"]: b["free"] for b in account.get("balances", [])}
    check(status == 200 and balances == {"USDT": "10000.00000000", "BTC": "0.00000000"}, f"account {account}")
    status, error, _ = await client.call("GET", "/api/v3/account", signed=True, signature="ab" * 32)
    check(status == 400 and error == {"code": -1022, "msg": "Signature for this request is not valid."}, error)
    async with client.session.get(f"{client.base}/api/v3/account?timestamp=1&signature=00",
                                  headers={"X-MBX-APIKEY": "another-key"}) as response:
        check(response.status == 401 and (await response.json())["code"] == -2015, "a wrong key is -2015")


async def test_clock_skew(client):
    for skew, message in ((20000, "outside of the recvWindow"), (-20000, "1000ms ahead")):
        await client.control("faults", {"clock_skew_ms": skew})
        status, error, _ = await client.call("GET", "/api/v3/account", signed=True)
        check(status == 400 and error["code"] == -1021 and message in error["msg"], f"skew {skew}: {error}")
    await client.control("faults", {"clock_skew_ms": 0})
    status, _, _ = await client.call("GET", "/api/v3/account", {"recvWindow": 60000}, signed=True)
    check(status == 200, "no skew: accepted")


async def subscribe_user_stream(client):
    ws = await client.session.ws_connect(f"{client.ws_base}/ws-api/v3")
    params = {"apiKey": DOCS_API_KEY, "timestamp": int(time.time() * 1000)}
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    params["signature"] = hmac.new(DOCS_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    await ws.send_json({"id": "sub", "method": "userDataStream.subscribe.signature", "params": params})
    answer = await next_json(ws)
    check(answer["id"] == "sub" and answer["status"] == 200 and answer["result"] == {"subscriptionId": 0}, answer)
    return ws


async def test_market_order_and_user_stream(client):
    ws = await subscribe_user_stream(client)
    status, placed, _ = await client.call("POST", "/api/v3/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.10000", "newClientOrderId": "mkt-1"},
        signed=True)
    check(status == 200 and placed["status"] == "NEW" and placed["fills"] == [], f"market order {placed}")
    new = (await next_event(ws, "executionReport"))["event"]
    check(new["x"] == "NEW" and new["X"] == "NEW" and new["c"] == "mkt-1" and new["i"] == placed["orderId"], new)
    advanced = await client.control("advance", {"bars": 1})
    check(advanced == {"closed": 3, "ts": T0 + 3 * STEP}, f"advance {advanced}")
    trade = (await next_event(ws, "executionReport"))["event"]
    check(trade["x"] == "TRADE" and trade["X"] == "FILLED" and trade["L"] == "99.00000000"
          and trade["l"] == "0.10000000" and trade["n"] == "0.00990000" and trade["N"] == "USDT"
          and trade["t"] == 1 and trade["Z"] == "9.90000000", f"trade report {trade}")
    position = (await next_event(ws, "outboundAccountPosition"))["event"]
    check({b["a"]: b["f"] for b in position["B"]} == {"USDT": "9990.09010000", "BTC": "0.10000000"}, position)
    status, trades, _ = await client.call("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"}, signed=True)
    check(status == 200 and len(trades) == 1 and trades[0]["price"] == "99.00000000"
          and trades[0]["commission"] == "0.00990000" and trades[0]["commissionAsset"] == "USDT"
          and trades[0]["isBuyer"] and not trades[0]["isMaker"], f"myTrades {trades}")
    state = await client.control("state")
    check(state["balances"] == {"USDT": "9990.09010000", "BTC": "0.10000000"}, state["balances"])
    await ws.close()


async def test_limit_order_rests_then_fills(client):
    status, placed, _ = await client.call("POST", "/api/v3/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.1",
        "price": "97.00", "newClientOrderId": "lim-1"}, signed=True)
    check(status == 200 and placed["status"] == "NEW", f"limit order {placed}")
    await client.control("advance", {"bars": 1})  # bar 4: low 98.00 does not reach 97.00
    status, order, _ = await client.call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "lim-1"},
                                         signed=True)
    check(status == 200 and order["status"] == "NEW" and order["executedQty"] == "0.00000000", f"resting {order}")
    status, open_orders, _ = await client.call("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, signed=True)
    check([o["clientOrderId"] for o in open_orders] == ["lim-1"], f"openOrders {open_orders}")
    await client.control("advance", {"bars": 1})  # bar 5: low 96.50 reaches it: fills at 97.00 as maker
    status, order, _ = await client.call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": placed["orderId"]},
                                         signed=True)
    check(order["status"] == "FILLED" and order["cummulativeQuoteQty"] == "9.70000000", f"filled {order}")
    status, trades, _ = await client.call("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "orderId": placed["orderId"]},
                                          signed=True)
    check(len(trades) == 1 and trades[0]["price"] == "97.00000000" and trades[0]["isMaker"]
          and trades[0]["commission"] == "0.00970000" and trades[0]["time"] == T0 + 5 * STEP, f"trades {trades}")


async def test_duplicate_and_unknown(client):
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.1",
             "price": "50.00", "newClientOrderId": "dup-1"}
    status, _, _ = await client.call("POST", "/api/v3/order", order, signed=True)
    check(status == 200, "first submit accepted")
    status, error, _ = await client.call("POST", "/api/v3/order", order, signed=True)
    check(status == 400 and error == {"code": -2010, "msg": "Duplicate order sent."}, f"duplicate {error}")
    state = await client.control("state")
    entries = [o for o in state["orders"] if o["clientOrderId"] == "dup-1"]
    check(len(entries) == 1 and entries[0]["submissions"] == 2 and entries[0]["status"] == "NEW", entries)
    status, error, _ = await client.call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "nope"},
                                         signed=True)
    check(status == 400 and error == {"code": -2013, "msg": "Order does not exist."}, f"unknown order {error}")


async def test_drop_after_processing(client):
    before = (await client.control("state"))["requests"]["POST /api/v3/order"]
    await client.control("faults", {"drop_connection": {"path": "/api/v3/order", "method": "POST", "count": 1,
                                                        "after_processing": True}})
    try:
        await client.call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                                    "timeInForce": "GTC", "quantity": "0.1", "price": "51.00",
                                                    "newClientOrderId": "dropped-1"}, signed=True)
        raise AssertionError("the connection should have been dropped without an answer")
    except aiohttp.ClientError:
        pass
    state = await client.control("state")
    check(any(o["clientOrderId"] == "dropped-1" and o["status"] == "NEW" for o in state["orders"]),
          "the dropped order was placed")
    check(state["requests"]["POST /api/v3/order"] == before + 1, f"requests {state['requests']}")


async def test_streams_and_end_streams(client):
    market = await client.session.ws_connect(f"{client.ws_base}/ws/btcusdt@kline_5m")
    api = await subscribe_user_stream(client)
    await asyncio.sleep(0.1)  # the fake registers the subscriber after the handshake
    advanced = await client.control("advance", {"bars": 1})
    kline = await next_json(market)
    check(kline["e"] == "kline" and kline["k"]["x"] is True and kline["k"]["t"] == advanced["ts"]
          and kline["k"]["i"] == "5m", f"kline {kline}")
    await client.control("faults", {"end_streams": True})
    for ws in (market, api):
        message = await ws.receive(timeout=5)
        check(message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), f"closed: {message.type}")


async def test_weight_limit(client):
    """Against a fake started with --weight-limit 5: ping weighs 1, so a 429 with Retry-After comes
    within two windows' worth of pings even if a minute boundary passes meanwhile."""
    for _ in range(12):
        async with client.session.get(f"{client.base}/api/v3/ping") as response:
            if response.status == 429:
                body = await response.json()
                check(body["code"] == -1003 and int(response.headers["Retry-After"]) >= 1, f"429 {body}")
                check(int(response.headers["X-MBX-USED-WEIGHT-1M"]) > 5, "used weight header")
                return
            check(response.status == 200, f"ping {response.status}")
    raise AssertionError("no 429 after 12 pings over a limit of 5")


async def test_matching_table(_client):
    """matching.py against the rows of docs/sim-exchange.md "Intra-bar rules" (zero slippage, tick 0.01)."""
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True
    import matching
    from decimal import Decimal as D

    bar = matching.Bar(0, D("100"), D("105"), D("95"), D("102"), D("1"))

    def run_case(side, kind, limit="0", stop="0", triggered=False, arriving=True, post_only=False):
        order = matching.MatchingOrder(side=side, is_stop=kind in ("stop", "stop_limit"),
                                       has_limit=kind in ("limit", "stop_limit"), post_only=post_only,
                                       limit_price=D(limit), stop_price=D(stop), triggered=triggered,
                                       arriving=arriving)
        result = matching.match_on_bar(order, bar, D("0.01"))
        execution = result.execution
        return (result.triggers, result.takes_at_open,
                None if execution is None else (str(execution.price), execution.liquidity))

    B, S, T, M = matching.BUY, matching.SELL, matching.TAKER, matching.MAKER
    cases = [
        (run_case(B, "market"), (False, False, ("100", T))),
        (run_case(B, "limit", "101"), (False, False, ("100", T))),  # first bar, open <= L: open, taker
        (run_case(B, "limit", "97"), (False, False, ("97", M))),  # first bar, low <= L: L, maker
        (run_case(B, "limit", "94"), (False, False, None)),
        (run_case(B, "limit", "101", arriving=False), (False, False, ("100", M))),  # resting, gapped through
        (run_case(S, "limit", "104"), (False, False, ("104", M))),
        (run_case(S, "limit", "99"), (False, False, ("100", T))),
        (run_case(B, "stop", stop="103"), (True, False, ("103", T))),  # max(open, S)
        (run_case(B, "stop", stop="98"), (True, False, ("100", T))),  # gap beyond the stop: the open
        (run_case(S, "stop", stop="96"), (True, False, ("96", T))),
        (run_case(S, "stop", stop="94"), (False, False, None)),
        (run_case(B, "stop_limit", "104", "103"), (True, False, ("103", T))),  # T <= L: T, taker
        (run_case(B, "stop_limit", "99", "103"), (True, False, ("99", M))),  # else low <= L: L, maker
        (run_case(B, "stop_limit", "99", "103", triggered=True, arriving=False), (False, False, ("99", M))),
        (run_case(B, "limit", "101", post_only=True), (False, True, None)),  # post-only would take
        (run_case(B, "limit", "99", post_only=True), (False, False, ("99", M))),
    ]
    for index, (got, expected) in enumerate(cases):
        check(got == expected, f"case {index}: got {got}, expected {expected}")
    odd = matching.Bar(0, D("100.004"), D("101"), D("99"), D("100"), D("1"))
    check(matching.match_on_bar(matching.MatchingOrder(B, False, False, False, D(0), D(0), False, True), odd,
                                D("0.01")).execution.price == D("100.01"), "a buy's price goes up to the tick")


async def run(folder):
    failures = await run_one(test_matching_table, None)
    main, port = start_server(folder, "main", [])
    try:
        limited, limited_port = start_server(folder, "limited", ["--weight-limit", "5"])
    except Exception:
        main.kill()
        raise
    try:
        async with aiohttp.ClientSession() as session:
            client = Client(session, port)
            tests = [test_exchange_info, test_klines, test_signatures, test_clock_skew,
                     test_market_order_and_user_stream, test_limit_order_rests_then_fills,
                     test_duplicate_and_unknown, test_drop_after_processing, test_streams_and_end_streams]
            for test in tests:
                failures += await run_one(test, client)
            failures += await run_one(test_weight_limit, Client(session, limited_port))
    finally:
        for process in (main, limited):
            process.terminate()
            check(process.wait(timeout=10) == 0, "the fake exits cleanly on SIGTERM")
    return failures


async def run_one(test, client):
    try:
        await asyncio.wait_for(test(client), timeout=30)
        print(f"PASS {test.__name__}")
        return 0
    except Exception:
        print(f"FAIL {test.__name__}\n{traceback.format_exc()}")
        return 1


def main():
    with tempfile.TemporaryDirectory(prefix="fake_binance_self_test.") as folder:
        failures = asyncio.run(run(folder))
        if failures:
            for name in ("main.log", "limited.log"):
                with open(os.path.join(folder, name)) as file:
                    print(f"---- {name} ----\n{file.read()}")
    print("all passed" if failures == 0 else f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
