"""Binance error answers: an exception that carries the documented code, message and HTTP status.

Shapes and codes from /work/binance-docs/errors.md ("Error codes for Binance"): the payload is
{"code": <negative int>, "msg": <text>}; rest-api.md "HTTP Return Codes" gives the statuses
(4XX the sender's fault, 401 for key problems as Binance answers them, 429/418 rate limits).
"""


class ApiError(Exception):
    """A request the venue refuses; rendered as Binance's error JSON with `http_status`."""

    def __init__(self, code, msg, http_status=400, headers=None):
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.http_status = http_status
        self.headers = headers or {}

    def payload(self):
        return {"code": self.code, "msg": self.msg}


# errors.md "-1102 MANDATORY_PARAM_EMPTY_OR_MALFORMED"
def missing(name):
    return ApiError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


# errors.md "-1100 ILLEGAL_CHARS": Binance quotes the regular expression the value must match.
DECIMAL_PATTERN = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
LONG_PATTERN = r"^-?[0-9]{1,20}$"


def illegal(name, legal_range):
    return ApiError(-1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal_range}'.")


# errors.md "Messages for -1010 ERROR_MSG_RECEIVED, -2010 NEW_ORDER_REJECTED, ..."
def order_rejected(message):
    return ApiError(-2010, message)


# errors.md "Filter failures" (code -1013 INVALID_MESSAGE)
def filter_failure(filter_type):
    return ApiError(-1013, f"Filter failure: {filter_type}")


NO_SUCH_ORDER = (-2013, "Order does not exist.")  # errors.md "-2013 NO_SUCH_ORDER"
BAD_KEY_FORMAT = (-2014, "API-key format invalid.")  # errors.md "-2014 BAD_API_KEY_FMT"
REJECTED_KEY = (-2015, "Invalid API-key, IP, or permissions for action.")  # "-2015 REJECTED_MBX_KEY"
BAD_SIGNATURE = (-1022, "Signature for this request is not valid.")  # "-1022 INVALID_SIGNATURE"
