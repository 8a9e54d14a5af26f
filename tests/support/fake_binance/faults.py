"""Faults a test asks for through POST /fake/faults (the spec's "Control API"), and their counting.

Counted faults apply to "the next N matching requests": a fault with a path (and optionally a
method) matches requests to that path, and each match uses one of its count.
"""

from errors import ApiError

COUNTED = ("drop_connection", "delay_response", "status")
FLAGS = ("user_stream_reorder", "partial_fills", "kline_updates", "reject_keys")
NUMBERS = ("clock_skew_ms", "user_stream_delay_ms")
KNOWN = COUNTED + FLAGS + NUMBERS + ("end_streams", "malformed_json")
STATUS_CODES = (429, 418, 500, 503)


def _bad(message):
    return ApiError(-1130, message)  # errors.md "-1130 INVALID_PARAMETER"


class Faults:
    def __init__(self):
        self.reset()

    def reset(self):
        self.drop_connection = []
        self.delay_response = []
        self.status = []
        self.clock_skew_ms = 0
        self.user_stream_delay_ms = 0
        self.user_stream_reorder = False
        self.partial_fills = False
        self.kline_updates = False
        self.reject_keys = False
        self.malformed_json = {"kline": 0, "user": 0}

    def set(self, body):
        """Applies a /fake/faults body; a bad one changes nothing. Returns whether end_streams was asked."""
        if not isinstance(body, dict):
            raise _bad("the faults body must be a JSON object")
        unknown = sorted(set(body) - set(KNOWN))
        if unknown:
            raise _bad(f"unknown fault(s) {unknown}; known: {list(KNOWN)}")
        staged = {}
        for name in COUNTED:
            if name in body:
                staged[name] = self._counted(name, body[name])
        for name in FLAGS + ("end_streams",):
            if name in body and not isinstance(body[name], bool):
                raise _bad(f"{name} must be true or false")
        for name in NUMBERS:
            if name in body and (not isinstance(body[name], int) or isinstance(body[name], bool)):
                raise _bad(f"{name} must be an integer")
        if "user_stream_delay_ms" in body and body["user_stream_delay_ms"] < 0:
            raise _bad("user_stream_delay_ms must not be negative")
        malformed = body.get("malformed_json")
        if malformed is not None:
            if (not isinstance(malformed, dict) or malformed.get("stream") not in ("kline", "user")
                    or not _count_ok(malformed.get("count", 1))):
                raise _bad('malformed_json must be {"stream": "kline"|"user", "count": n >= 1}')
        for name, spec in staged.items():
            getattr(self, name).append(spec)
        for name in FLAGS + NUMBERS:
            if name in body:
                setattr(self, name, body[name])
        if malformed is not None:
            self.malformed_json[malformed["stream"]] += malformed.get("count", 1)
        return body.get("end_streams", False)

    @staticmethod
    def _counted(name, spec):
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            raise _bad(f"{name} needs an object with a \"path\"")
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise _bad(f"{name}.method must be a string")
        count = spec.get("count", 1)
        if not _count_ok(count):
            raise _bad(f"{name}.count must be an integer >= 1")
        staged = {"path": spec["path"], "method": method.upper() if method else None, "count": count}
        if name == "drop_connection":
            if not isinstance(spec.get("after_processing", False), bool):
                raise _bad("drop_connection.after_processing must be true or false")
            staged["after_processing"] = spec.get("after_processing", False)
        elif name == "delay_response":
            if not _count_ok(spec.get("ms")) and spec.get("ms") != 0:
                raise _bad("delay_response.ms must be an integer >= 0")
            staged["ms"] = spec["ms"]
        else:
            if spec.get("code") not in STATUS_CODES:
                raise _bad(f"status.code must be one of {list(STATUS_CODES)}")
            retry_after = spec.get("retry_after", 1)
            if not isinstance(retry_after, int) or isinstance(retry_after, bool) or retry_after < 0:
                raise _bad("status.retry_after must be an integer >= 0")
            staged["code"] = spec["code"]
            staged["retry_after"] = retry_after
        return staged

    def take(self, name, method, path):
        """The first fault of kind `name` that matches this request, using one of its count; or None."""
        for spec in getattr(self, name):
            if spec["path"] == path and spec["method"] in (None, method):
                spec["count"] -= 1
                if spec["count"] == 0:
                    getattr(self, name).remove(spec)
                return spec
        return None

    def take_malformed(self, stream):
        if self.malformed_json[stream] > 0:
            self.malformed_json[stream] -= 1
            return True
        return False

    def describe(self):
        return {"drop_connection": self.drop_connection, "delay_response": self.delay_response,
                "status": self.status, "clock_skew_ms": self.clock_skew_ms,
                "user_stream_delay_ms": self.user_stream_delay_ms, "user_stream_reorder": self.user_stream_reorder,
                "partial_fills": self.partial_fills, "kline_updates": self.kline_updates,
                "reject_keys": self.reject_keys, "malformed_json": dict(self.malformed_json)}


def _count_ok(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
