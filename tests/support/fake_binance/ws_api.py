"""The WebSocket API at /ws-api/v3, as far as the user data stream needs it (web-socket-api.md):
`ping`, `time`, `session.logon`/`session.status`/`session.logout` (Ed25519 keys only, as the docs
say), `userDataStream.subscribe` (after logon), `userDataStream.subscribe.signature` (HMAC or
Ed25519), `userDataStream.unsubscribe` and `session.subscriptions`. Orders go through REST.
"""

import json
import logging
from decimal import Decimal

import signing
import streams
from errors import ApiError, REJECTED_KEY, BAD_KEY_FORMAT, missing

log = logging.getLogger("fake_binance.ws_api")

# web-socket-api.md: the weight of each method ("Weight:" under each).
WEIGHTS = {"ping": 1, "time": 1, "session.logon": 2, "session.status": 2, "session.logout": 2,
           "session.subscriptions": 2, "userDataStream.subscribe": 2, "userDataStream.subscribe.signature": 2,
           "userDataStream.unsubscribe": 2}
UNAUTHORIZED = (-1002, "You are not authorized to execute this request.")  # errors.md "-1002 UNAUTHORIZED"


class Session:
    """The state of one WebSocket API connection."""

    def __init__(self, connection, connected_since):
        self.connection = connection
        self.connected_since = connected_since
        self.authorized_since = None  # set by session.logon
        self.next_subscription_id = 0


class WsApi:
    def __init__(self, server):
        self.server = server
        self.sessions = set()

    async def serve(self, request):
        connection = await streams.open_connection(request, self.server.settings)
        session = Session(connection, self.server.now_ms())
        self.sessions.add(session)
        try:
            async for text in connection.receive_texts():
                connection.send(self.answer(session, text))
        finally:
            self.server.users.unsubscribe(connection)
            self.sessions.discard(session)
            connection.stop()
        return connection.ws

    async def close_all(self):
        for session in list(self.sessions):
            await session.connection.close()

    def answer(self, session, text):
        """The response frame to one request frame (web-socket-api.md "Response format")."""
        request_id = None
        try:
            try:
                request = json.loads(text, parse_float=Decimal)
            except ValueError:
                raise ApiError(-1135, "Invalid JSON Request") from None  # errors.md "-1135 INVALID_JSON"
            if not isinstance(request, dict):
                raise ApiError(-1135, "Invalid JSON Request")
            request_id = request.get("id")
            method = request.get("method")
            params = request.get("params", {})
            if not isinstance(method, str) or not method:
                raise missing("method")
            if not isinstance(params, dict):
                raise ApiError(-1130, "Data sent for parameter 'params' is not valid.")
            method = method[len("v3/"):] if method.startswith("v3/") else method
            self.server.limiter.charge(WEIGHTS.get(method, 1))
            result = self.dispatch(session, method, params)
            response = {"id": request_id, "status": 200, "result": result}
        except ApiError as error:
            response = {"id": request_id, "status": error.http_status, "error": error.payload()}
        except Exception:  # a bug of the fake: the client gets Binance's -1000, the log the traceback
            log.exception("WebSocket API request failed: %.200s", text)
            response = {"id": request_id, "status": 500,
                        "error": {"code": -1000, "msg": "An unknown error occurred while processing the request."}}
        response["rateLimits"] = [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                                   "limit": self.server.limiter.limit, "count": self.server.limiter.used_now()}]
        return response

    def dispatch(self, session, method, params):
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": self.server.now_ms()}
        if method == "session.logon":
            if not self.server.verifier.is_ed25519:
                raise ApiError(*UNAUTHORIZED)  # web-socket-api.md "Only Ed25519 keys are supported"
            self.check_signed(params)
            session.authorized_since = self.server.now_ms()
            return self.session_status(session)
        if method == "session.status":
            return self.session_status(session)
        if method == "session.logout":
            # web-socket-api.md "Unsubscribe ...": logout closes the logon subscription only; the fake
            # does not tell the two kinds apart and keeps every subscription.
            session.authorized_since = None
            return self.session_status(session)
        if method == "session.subscriptions":
            return [{"subscriptionId": i} for i in self.server.users.active_ids(session.connection)]
        if method == "userDataStream.subscribe":
            if session.authorized_since is None:
                raise ApiError(*UNAUTHORIZED, http_status=401)
            if self.server.faults.reject_keys:
                raise ApiError(*REJECTED_KEY, http_status=401)
            return self.subscribe(session)
        if method == "userDataStream.subscribe.signature":
            self.check_signed(params)
            return self.subscribe(session)
        if method == "userDataStream.unsubscribe":
            subscription_id = params.get("subscriptionId")
            if subscription_id is not None and (not isinstance(subscription_id, int) or isinstance(subscription_id, bool)):
                raise ApiError(-1130, "Data sent for parameter 'subscriptionId' is not valid.")
            ended = self.server.users.unsubscribe(session.connection, subscription_id)
            if subscription_id is not None and not ended:
                raise ApiError(-2036, "User Data Stream subscription not active.")  # errors.md "-2036"
            now = self.server.now_ms()
            for ended_id in ended:
                # user-data-stream.md "Event Stream Terminated"
                session.connection.send({"subscriptionId": ended_id,
                                         "event": {"e": "eventStreamTerminated", "E": now}})
            return {}
        raise ApiError(-1020, "This operation is not supported.")  # errors.md "-1020 UNSUPPORTED_OPERATION"

    def subscribe(self, session):
        if self.server.users.active_ids(session.connection):
            # web-socket-api.md: one active subscription per account per connection (one account here).
            raise ApiError(-2035, "User Data Stream subscription already active.")
        subscription_id = session.next_subscription_id
        session.next_subscription_id += 1
        self.server.users.subscribe(session.connection, subscription_id)
        return {"subscriptionId": subscription_id}

    def check_signed(self, params):
        for name in ("apiKey", "signature", "timestamp"):
            if params.get(name) in (None, ""):
                raise missing(name)
        if not isinstance(params["apiKey"], str) or not isinstance(params["signature"], str):
            raise ApiError(*BAD_KEY_FORMAT, http_status=401)
        if self.server.faults.reject_keys or params["apiKey"] != self.server.settings.api_key:
            raise ApiError(*REJECTED_KEY, http_status=401)
        signing.check_timing(params["timestamp"], params.get("recvWindow"), self.server.now_ms())
        self.server.verifier.check(signing.ws_payload(params), params["signature"])

    def session_status(self, session):
        # web-socket-api.md "Log in with API key (SIGNED)" / "Query session status" response.
        return {"apiKey": self.server.settings.api_key if session.authorized_since is not None else None,
                "authorizedSince": session.authorized_since, "connectedSince": session.connected_since,
                "returnRateLimits": True, "serverTime": self.server.now_ms(),
                "userDataStream": bool(self.server.users.active_ids(session.connection))}
