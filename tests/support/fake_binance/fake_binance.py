#!/usr/bin/python3
"""A fake Binance spot venue for smoops' live-trading tests: one symbol, one account, replayed bars.

One loopback port serves REST (/api/v3/...), market streams (/ws/<stream>, /stream?streams=),
the WebSocket API (/ws-api/v3) and a control API for tests (/fake/...). Orders are matched against
the bars of a CSV by the rules of the project's `sim` exchange, so a live bot's trades here equal a
backtest's on the same bars. Run with Debian's /usr/bin/python3 (python3-aiohttp). See README.md.
"""

import argparse
import asyncio
import csv
import json
import logging
import os
import signal
import sys
import time
from collections import Counter
from decimal import Decimal, InvalidOperation

# The modules beside this file; no __pycache__ left in the source tree by test runs.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aiohttp import web  # noqa: E402

import signing  # noqa: E402
from errors import ApiError  # noqa: E402
from faults import Faults  # noqa: E402
from matching import Bar  # noqa: E402
from rate_limits import RateLimiter  # noqa: E402
from rest_api import INTERVALS, RestApi, read_params  # noqa: E402
from streams import MarketStreams, UserStreams  # noqa: E402
from venue import Venue, fmt  # noqa: E402
from ws_api import WsApi  # noqa: E402

log = logging.getLogger("fake_binance")

CSV_HEADER = ["timestamp", "open", "high", "low", "close", "volume"]
INTERVAL_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "M": 2_592_000_000}
UNKNOWN_ERROR = {"code": -1000, "msg": "An unknown error occurred while processing the request."}
# errors.md "-1020 UNSUPPORTED_OPERATION": what an endpoint the fake does not serve answers.
UNSUPPORTED = {"code": -1020, "msg": "This operation is not supported."}


class StartupError(Exception):
    """A bad command line or CSV: reported on stderr, exit status 2."""


def decimal_arg(text, what):
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise StartupError(f"{what}: not a decimal number: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise StartupError(f"{what}: must be a finite number >= 0, got {text!r}")
    return value


def load_bars(path):
    """The project's OHLCV CSV (host/data/csv_bar_reader.cpp): header exactly
    timestamp,open,high,low,close,volume; timestamp = open time in ms UTC; decimal strings."""
    bars = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            rows = csv.reader(file)
            header = next(rows, None)
            if header != CSV_HEADER:
                raise StartupError(f"{path}:1: the header must be {','.join(CSV_HEADER)}, got {header}")
            for line, row in enumerate(rows, start=2):
                if not row:
                    continue
                if len(row) != 6:
                    raise StartupError(f"{path}:{line}: expected 6 columns, got {len(row)}")
                try:
                    ts = int(row[0])
                    o, h, low, c, v = (Decimal(cell) for cell in row[1:])
                except (ValueError, InvalidOperation):
                    raise StartupError(f"{path}:{line}: not a number in {row}") from None
                if bars and ts <= bars[-1].ts:
                    raise StartupError(f"{path}:{line}: timestamps must increase ({ts} after {bars[-1].ts})")
                if not (low <= min(o, c) and h >= max(o, c) and v >= 0):
                    raise StartupError(f"{path}:{line}: low <= open, close <= high and volume >= 0 must hold")
                bars.append(Bar(ts, o, h, low, c, v))
    except OSError as error:
        raise StartupError(f"{path}: {error.strerror}") from None
    return bars


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--symbol", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--quote", required=True)
    parser.add_argument("--tick-size", required=True)
    parser.add_argument("--lot-size", required=True)
    parser.add_argument("--min-notional", required=True)
    parser.add_argument("--klines", required=True, help="OHLCV CSV: the kline history and the replay")
    parser.add_argument("--interval", required=True, choices=INTERVALS)
    parser.add_argument("--start-bar", type=int, default=0, help="bars before this index are closed at start")
    parser.add_argument("--auto-advance-ms", type=int, default=0)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--ed25519-public-key", help="PEM file; signatures are then Ed25519, not HMAC")
    parser.add_argument("--balance", action="append", default=[], help="ASSET=AMOUNT, repeatable")
    parser.add_argument("--commission-bps", default="10")
    parser.add_argument("--market-orders-fill-at-once", action="store_true",
                        help="a market order takes when it arrives, at the current bar's open (as on Binance), "
                             "instead of when the bar closes")
    parser.add_argument("--weight-limit", type=int, default=6000)
    parser.add_argument("--ping-interval-s", type=float, default=20.0)
    parser.add_argument("--pong-timeout-s", type=float, default=60.0)
    parser.add_argument("--log")
    args = parser.parse_args(argv)
    args.tick_size = decimal_arg(args.tick_size, "--tick-size")
    args.lot_size = decimal_arg(args.lot_size, "--lot-size")
    args.min_notional = decimal_arg(args.min_notional, "--min-notional")
    args.commission_bps = decimal_arg(args.commission_bps, "--commission-bps")
    if args.tick_size == 0 or args.lot_size == 0:
        raise StartupError("--tick-size and --lot-size must be positive")
    if args.weight_limit < 1 or args.auto_advance_ms < 0 or args.ping_interval_s <= 0 or args.pong_timeout_s <= 0:
        raise StartupError("--weight-limit, --ping-interval-s and --pong-timeout-s must be positive, "
                           "--auto-advance-ms not negative")
    balances = {}
    for item in args.balance:
        asset, sep, amount = item.partition("=")
        if not sep or not asset:
            raise StartupError(f"--balance: expected ASSET=AMOUNT, got {item!r}")
        balances[asset] = decimal_arg(amount, f"--balance {asset}")
    args.balances = balances
    return args


class Server:
    def __init__(self, args):
        self.settings = args
        self.bars = load_bars(args.klines)
        if not 0 <= args.start_bar <= len(self.bars):
            raise StartupError(f"--start-bar {args.start_bar}: the CSV has {len(self.bars)} bars")
        self.interval_ms = int(args.interval[:-1]) * INTERVAL_MS[args.interval[-1]]
        public_key = None
        if args.ed25519_public_key:
            try:
                with open(args.ed25519_public_key, "rb") as file:
                    public_key = file.read()
            except OSError as error:
                raise StartupError(f"{args.ed25519_public_key}: {error.strerror}") from None
        try:
            self.verifier = signing.Verifier(args.secret, public_key)
        except ValueError as error:
            raise StartupError(f"--ed25519-public-key: {error}") from None
        self.faults = Faults()
        self.limiter = RateLimiter(args.weight_limit)
        self.market = MarketStreams(self.faults)
        self.users = UserStreams(self.faults)
        self.venue = Venue(args.symbol, args.base, args.quote, args.tick_size, args.lot_size, args.min_notional,
                           args.commission_bps, self.bars, args.start_bar, args.balances, self.now_ms,
                           self.users.publish)
        self.venue.market_orders_fill_at_once = args.market_orders_fill_at_once
        self.rest = RestApi(self)
        self.ws_api = WsApi(self)
        self.requests = Counter()
        self.order_times = []  # wall times of accepted orders, for X-MBX-ORDER-COUNT-*

    def now_ms(self):
        """Server time: wall time plus the fault clock_skew_ms."""
        return int(time.time() * 1000) + self.faults.clock_skew_ms

    def count_order(self):
        self.order_times.append(time.time())

    def order_count_headers(self):
        # rest-api.md "Unfilled Order Count": headers on successful order responses.
        now = time.time()
        self.order_times = [t for t in self.order_times if now - t < 86400]
        return {"X-MBX-ORDER-COUNT-10S": str(sum(1 for t in self.order_times if now - t < 10)),
                "X-MBX-ORDER-COUNT-1D": str(len(self.order_times))}

    # ---- REST ----

    async def handle_api(self, request):
        method, path = request.method, request.path
        self.requests[f"{method} {path}"] += 1
        raw_body = ""
        try:
            raw_body = await request.text()
        except (UnicodeDecodeError, ValueError):
            raw_body = None
        endpoint = self.rest.endpoints.get((method, path))
        params, params_error = {}, None
        try:
            if raw_body is None:
                raise ApiError(-1100, "Illegal characters found in a parameter.")
            params = read_params(request.rel_url.raw_query_string, raw_body)
        except ApiError as error:
            params_error = error
        order_request = (method, path) == ("POST", "/api/v3/order")
        if order_request:
            self.venue.count_submission(params.get("newClientOrderId"))

        status_fault = self.faults.take("status", method, path)
        if status_fault is not None:
            return self.fault_status(status_fault)
        drop = self.faults.take("drop_connection", method, path)
        if drop is not None and not drop["after_processing"]:
            log.info("fault drop_connection: %s %s closed before processing", method, path)
            return self.drop(request)

        status, body, headers = 200, None, {}
        try:
            if endpoint is None:
                known_path = any(p == path for _, p in self.rest.endpoints)
                raise ApiError(UNSUPPORTED["code"], UNSUPPORTED["msg"], http_status=405 if known_path else 404)
            self.limiter.charge(endpoint.weight(params))
            if params_error is not None:
                raise params_error
            self.rest.check(endpoint, params, request.headers.get("X-MBX-APIKEY"))
            if endpoint.signed:
                payload = signing.rest_payload(request.rel_url.raw_query_string, raw_body)
                self.verifier.check(payload, params["signature"])
            body = endpoint.handler(params)
            if order_request:
                headers.update(self.order_count_headers())
        except ApiError as error:
            status, body, headers = error.http_status, error.payload(), dict(error.headers)
            if order_request:
                self.venue.note_refused(params.get("newClientOrderId"))
        except Exception:  # a bug of the fake: the client gets Binance's -1000, the log the traceback
            log.exception("%s %s failed", method, path)
            status, body = 500, UNKNOWN_ERROR
        if drop is not None:
            log.info("fault drop_connection: %s %s processed, connection closed unanswered", method, path)
            return self.drop(request)
        delay = self.faults.take("delay_response", method, path)
        if delay is not None:
            await asyncio.sleep(delay["ms"] / 1000.0)
        headers["X-MBX-USED-WEIGHT-1M"] = str(self.limiter.used_now())
        return web.json_response(body, status=status, headers=headers, dumps=compact_json)

    def fault_status(self, fault):
        code = fault["code"]
        headers = {"X-MBX-USED-WEIGHT-1M": str(self.limiter.used_now())}
        if code in (429, 418):
            headers["Retry-After"] = str(fault["retry_after"])
            body = {"code": -1003, "msg": "Too many requests; current limit of IP is exceeded (fault)."}
        elif code == 503:
            body = {"code": -1008, "msg": "Server is currently overloaded with other requests. Please try again in "
                                          "a few minutes."}
        else:
            body = UNKNOWN_ERROR
        return web.json_response(body, status=code, headers=headers, dumps=compact_json)

    @staticmethod
    def drop(request):
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)  # never written: the connection is gone

    # ---- streams ----

    async def handle_raw_stream(self, request):
        names = [name for name in request.match_info.get("streams", "").split("/") if name]
        return await self.market.serve(request, self.settings, names, combined=False)

    async def handle_combined_stream(self, request):
        names = [name for name in request.query.get("streams", "").split("/") if name]
        return await self.market.serve(request, self.settings, names, combined=True)

    async def handle_ws_api(self, request):
        return await self.ws_api.serve(request)

    def kline_row(self, bar):
        """rest-api.md "Kline/Candlestick data" row. The CSV has no quote volume, trade count or
        taker volumes: they are 0."""
        return [bar.ts, fmt(bar.open), fmt(bar.high), fmt(bar.low), fmt(bar.close), fmt(bar.volume),
                bar.ts + self.interval_ms - 1, fmt(Decimal(0)), 0, fmt(Decimal(0)), fmt(Decimal(0)), "0"]

    def publish_bar(self, index, bar):
        """web-socket-streams.md "Kline/Candlestick Streams", "Trade Streams", "Individual Symbol
        Book Ticker Streams": the closing kline (after an x=false update under fault kline_updates),
        and one synthetic trade and ticker at the close."""
        symbol = self.venue.symbol
        lower = symbol.lower()
        now = self.now_ms()
        zero = fmt(Decimal(0))

        def kline(closed):
            return {"e": "kline", "E": now, "s": symbol,
                    "k": {"t": bar.ts, "T": bar.ts + self.interval_ms - 1, "s": symbol, "i": self.settings.interval,
                          "f": index + 1, "L": index + 1, "o": fmt(bar.open), "c": fmt(bar.close),
                          "h": fmt(bar.high), "l": fmt(bar.low), "v": fmt(bar.volume), "n": 1, "x": closed,
                          "q": zero, "V": zero, "Q": zero, "B": "0"}}

        stream = f"{lower}@kline_{self.settings.interval}"
        if self.faults.kline_updates:
            self.market.publish(stream, kline(False), "kline")
        self.market.publish(stream, kline(True), "kline")
        close_time = bar.ts + self.interval_ms - 1
        self.market.publish(f"{lower}@trade", {"e": "trade", "E": now, "s": symbol, "t": index + 1,
                                               "p": fmt(bar.close), "q": fmt(bar.volume), "T": close_time,
                                               "m": False, "M": True}, "trade")
        self.market.publish(f"{lower}@bookTicker", {"u": index + 1, "s": symbol, "b": fmt(bar.close),
                                                    "B": fmt(Decimal(1)), "a": fmt(bar.close + self.venue.tick_size),
                                                    "A": fmt(Decimal(1))}, "bookTicker")

    def advance(self, count):
        """Closes `count` bars (fewer when the CSV ends): orders meet each, then its events go out."""
        closed = None
        for _ in range(count):
            index = self.venue.current
            self.venue.partial_fills = self.faults.partial_fills
            bar = self.venue.close_bar()
            if bar is None:
                break
            self.publish_bar(index, bar)
            closed = (index, bar.ts)
        return closed

    async def auto_advance(self):
        while self.venue.current_bar is not None:
            await asyncio.sleep(self.settings.auto_advance_ms / 1000.0)
            self.advance(1)

    # ---- control API ----

    async def control(self, request):
        try:
            return await self._control(request)
        except ApiError as error:
            return web.json_response(error.payload(), status=error.http_status, dumps=compact_json)
        except Exception:
            log.exception("control %s %s failed", request.method, request.path)
            return web.json_response(UNKNOWN_ERROR, status=500, dumps=compact_json)

    async def _control(self, request):
        action = request.match_info["action"]
        if request.method == "GET" and action == "state":
            state = self.venue.state()
            state.update({"current_bar": self.venue.current, "weight_used": self.limiter.used_now(),
                          "requests": dict(self.requests), "faults": self.faults.describe()})
            return web.json_response(state, dumps=compact_json)
        if request.method != "POST":
            raise ApiError(-1020, f"GET /fake/{action} is not served", http_status=405)
        body = {}
        text = await request.text()
        if text.strip():
            try:
                body = json.loads(text)
            except ValueError:
                raise ApiError(-1135, "Invalid JSON Request") from None
        if action == "advance":
            bars = body.get("bars", 1) if isinstance(body, dict) else None
            if not isinstance(bars, int) or isinstance(bars, bool) or bars < 1:
                raise ApiError(-1130, "advance: \"bars\" must be an integer >= 1")
            closed = self.advance(bars)
            if closed is None:
                raise ApiError(-1130, f"advance: all {len(self.bars)} bars are closed already", http_status=409)
            return web.json_response({"closed": closed[0], "ts": closed[1]}, dumps=compact_json)
        if action == "faults":
            end_streams = self.faults.set(body)
            if not self.faults.user_stream_reorder:
                self.users.flush_all()
            if end_streams:
                await self.market.close_all()
                await self.ws_api.close_all()
            return web.json_response({"faults": self.faults.describe()}, dumps=compact_json)
        if action == "reset_faults":
            self.faults.reset()
            self.users.flush_all()
            return web.json_response({"faults": self.faults.describe()}, dumps=compact_json)
        if action == "reset_weight":
            self.limiter.reset()
            return web.json_response({"weight_used": 0}, dumps=compact_json)
        raise ApiError(-1020, f"unknown control action {action!r}", http_status=404)

    def app(self):
        app = web.Application()
        app.router.add_route("*", "/api/{tail:.*}", self.handle_api)
        app.router.add_get("/ws-api/v3", self.handle_ws_api)
        app.router.add_get("/ws/{streams:.*}", self.handle_raw_stream)
        app.router.add_get("/ws", self.handle_raw_stream)
        app.router.add_get("/stream", self.handle_combined_stream)
        app.router.add_route("*", "/fake/{action}", self.control)
        return app


def compact_json(value):
    return json.dumps(value, separators=(",", ":"))


def write_port_file(path, port):
    # Written whole and renamed, so a test polling for the file never reads half a number.
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w") as file:
        file.write(f"{port}\n")
    os.replace(temporary, path)


async def serve(server):
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, server.settings.host, server.settings.port)
    await site.start()
    port = runner.addresses[0][1]
    write_port_file(server.settings.port_file, port)
    log.info("listening on %s:%d (%s, %d bars, current bar %d)", server.settings.host, port,
             server.settings.symbol, len(server.bars), server.venue.current)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    auto = asyncio.ensure_future(server.auto_advance()) if server.settings.auto_advance_ms else None
    await stop.wait()
    log.info("stopping")
    if auto is not None:
        auto.cancel()
    await server.market.close_all()
    await server.ws_api.close_all()
    await runner.cleanup()


def main(argv=None):
    try:
        args = parse_args(argv)
        logging.basicConfig(level=logging.INFO, filename=args.log,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
        server = Server(args)
    except StartupError as error:
        print(f"fake_binance: {error}", file=sys.stderr)
        return 2
    asyncio.run(serve(server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
