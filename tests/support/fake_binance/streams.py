"""WebSocket connections: market streams (web-socket-streams.md) and the user data stream of the
WebSocket API (web-socket-api.md "User Data Stream requests", user-data-stream.md).

Every connection has one sender task that writes its queued messages in order, so a delayed or
reordered user event never overtakes the connection's other traffic by accident. The server pings
every connection (web-socket-streams.md "General WSS information": a ping frame every 20 s, closed
without a pong within a minute); both periods are options so tests can shorten them.
"""

import asyncio
import json
import logging

from aiohttp import WSMsgType, web

log = logging.getLogger("fake_binance.streams")

# What a test receives for the fault `malformed_json`: the start of a message, cut off.
MALFORMED = '{"e":"kline","E":'


class Connection:
    """One WebSocket: an ordered outgoing queue with optional per-message delivery times, and pings."""

    def __init__(self, ws, ping_interval_s, pong_timeout_s):
        self.ws = ws
        self.ping_interval_s = ping_interval_s
        self.pong_timeout_s = pong_timeout_s
        self.queue = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        self.last_pong = self.loop.time()
        self.tasks = []

    def start(self):
        self.tasks = [asyncio.ensure_future(self._send_loop()), asyncio.ensure_future(self._ping_loop())]

    def send(self, message, delay_s=0.0):
        """Queues a text message (a dict is sent as JSON) to go out `delay_s` from now, after those before it."""
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        self.queue.put_nowait((self.loop.time() + delay_s, text))

    async def _send_loop(self):
        try:
            while True:
                deliver_at, text = await self.queue.get()
                wait = deliver_at - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if self.ws.closed:
                    return
                await self.ws.send_str(text)
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            return

    async def _ping_loop(self):
        try:
            while not self.ws.closed:
                await asyncio.sleep(self.ping_interval_s)
                if self.loop.time() - self.last_pong > self.pong_timeout_s:
                    log.info("closing a WebSocket that answered no ping for %.1f s", self.pong_timeout_s)
                    await self.ws.close(code=1008, message=b"pong timeout")
                    return
                await self.ws.ping(b"fake-binance")
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            return

    async def receive_texts(self):
        """Yields each text frame; answers pings and notes pongs (autoping is off so pongs are seen)."""
        async for message in self.ws:
            if message.type == WSMsgType.TEXT:
                yield message.data
            elif message.type == WSMsgType.PING:
                await self.ws.pong(message.data)
            elif message.type == WSMsgType.PONG:
                self.last_pong = self.loop.time()
            elif message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                return

    async def close(self):
        if not self.ws.closed:
            await self.ws.close(code=1001, message=b"stream ended")

    def stop(self):
        for task in self.tasks:
            task.cancel()


async def open_connection(request, settings):
    ws = web.WebSocketResponse(autoping=False)
    await ws.prepare(request)
    connection = Connection(ws, settings.ping_interval_s, settings.pong_timeout_s)
    connection.start()
    return connection


class MarketStreams:
    """Subscribers of `<symbol>@kline_<interval>`, `@trade`, `@bookTicker` (raw or combined)."""

    def __init__(self, faults):
        self.faults = faults
        self.subscribers = {}  # Connection -> {"streams": set, "combined": bool}

    def publish(self, stream, data, kind):
        targets = [(c, s) for c, s in self.subscribers.items() if stream in s["streams"]]
        if kind == "kline" and targets and self.faults.take_malformed("kline"):
            for connection, _ in targets:
                connection.send(MALFORMED)
        for connection, subscription in targets:
            # web-socket-streams.md: combined payloads are {"stream": <name>, "data": <raw>}.
            connection.send({"stream": stream, "data": data} if subscription["combined"] else data)

    async def serve(self, request, settings, streams, combined):
        connection = await open_connection(request, settings)
        subscription = {"streams": set(streams), "combined": combined}
        self.subscribers[connection] = subscription
        try:
            async for text in connection.receive_texts():
                answer = self._control(text, subscription)
                if answer is not None:
                    connection.send(answer)
        finally:
            self.subscribers.pop(connection, None)
            connection.stop()
        return connection.ws

    @staticmethod
    def _control(text, subscription):
        """web-socket-streams.md "Live Subscribing/Unsubscribing to streams" and its "Error Messages"."""
        try:
            request = json.loads(text)
        except ValueError:
            return {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}
        if not isinstance(request, dict) or "method" not in request:
            return {"code": 2, "msg": "Invalid request: missing field `method` at line 1 column 1"}
        request_id = request.get("id")
        if request_id is not None and not isinstance(request_id, (int, str)) or isinstance(request_id, bool):
            return {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}
        method, params = request["method"], request.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                return {"code": 2, "msg": "Invalid request: too many parameters", "id": request_id}
            if method == "SUBSCRIBE":
                subscription["streams"].update(params)
            else:
                subscription["streams"].difference_update(params)
            return {"result": None, "id": request_id}
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": sorted(subscription["streams"]), "id": request_id}
        if method in ("SET_PROPERTY", "GET_PROPERTY"):
            if not isinstance(params, list) or not params or not isinstance(params[0], str):
                return {"code": 2, "msg": "Invalid request: property name must be a string", "id": request_id}
            if params[0] != "combined":
                return {"code": 0, "msg": "Unknown property", "id": request_id}
            if method == "GET_PROPERTY":
                return {"result": subscription["combined"], "id": request_id}
            if len(params) != 2 or not isinstance(params[1], bool):
                return {"code": 1, "msg": "Invalid value type: expected Boolean", "id": request_id}
            subscription["combined"] = params[1]
            return {"result": None, "id": request_id}
        return {"code": 2, "msg": f"Invalid request: unknown variant `{method}`, expected one of `SUBSCRIBE`, "
                                  "`UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 "
                                  "column 1", "id": request_id}

    async def close_all(self):
        for connection in list(self.subscribers):
            await connection.close()


class UserStreams:
    """User data stream subscriptions of WebSocket API connections, and the faults on their events."""

    def __init__(self, faults):
        self.faults = faults
        self.subscriptions = []  # {"connection", "id", "held"}

    def subscribe(self, connection, subscription_id):
        self.subscriptions.append({"connection": connection, "id": subscription_id, "held": None})

    def unsubscribe(self, connection, subscription_id=None):
        """Ends `connection`'s subscriptions (one, or all when `subscription_id` is None); returns their ids."""
        ended = [s for s in self.subscriptions
                 if s["connection"] is connection and subscription_id in (None, s["id"])]
        for subscription in ended:
            self._flush(subscription)
            self.subscriptions.remove(subscription)
        return [s["id"] for s in ended]

    def active_ids(self, connection):
        return [s["id"] for s in self.subscriptions if s["connection"] is connection]

    def publish(self, event):
        if not self.subscriptions:
            return
        malformed = self.faults.take_malformed("user")
        for subscription in self.subscriptions:
            if malformed:
                self._send(subscription, MALFORMED)
            payload = {"subscriptionId": subscription["id"], "event": event}
            if self.faults.user_stream_reorder:
                # Events go out in reversed pairs: hold one, send the next, then the held one.
                if subscription["held"] is None:
                    subscription["held"] = payload
                    continue
                self._send(subscription, payload)
                self._flush(subscription)
                continue
            self._flush(subscription)
            self._send(subscription, payload)

    def flush_all(self):
        """Sends events held for reordering (when that fault is lifted)."""
        for subscription in self.subscriptions:
            self._flush(subscription)

    def _flush(self, subscription):
        if subscription["held"] is not None:
            self._send(subscription, subscription["held"])
            subscription["held"] = None

    def _send(self, subscription, message):
        subscription["connection"].send(message, delay_s=self.faults.user_stream_delay_ms / 1000.0)
