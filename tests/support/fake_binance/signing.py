"""Signed requests: which bytes are signed, and checking HMAC-SHA256 and Ed25519 signatures.

REST (rest-api.md "SIGNED Endpoint Examples for POST /api/v3/order"): the payload is the query
string concatenated without separator to the HTTP body, both as sent (percent-encoded), without
the `signature` parameter. HMAC signatures are hex and not case-sensitive; Ed25519 ones are
base64 and case-sensitive (rest-api.md "Signature Case Sensitivity").

WebSocket API (web-socket-api.md "SIGNED request example (HMAC)"): the payload is every param but
`signature`, sorted by name, formatted `name=value` joined by `&`, not percent-encoded, in UTF-8.

Timing (rest-api.md "Timing security"): timestamp in ms or µs, recvWindow default 5000 and at
most 60000 (up to three decimals); a request is accepted when timestamp < serverTime + 1000 and
serverTime - timestamp <= recvWindow.
"""

import base64
import binascii
import hashlib
import hmac
from decimal import Decimal, InvalidOperation

from errors import ApiError, BAD_SIGNATURE, illegal, missing

DEFAULT_RECV_WINDOW_MS = Decimal(5000)
MAX_RECV_WINDOW_MS = Decimal(60000)
# A timestamp at or above this many units is in microseconds (ms timestamps stay below it until 5138).
MICROSECOND_THRESHOLD = 10**14


def strip_signature(raw):
    """`raw` (a query string or form body, as sent) without its `signature=...` pair."""
    if not raw:
        return ""
    return "&".join(pair for pair in raw.split("&") if not pair.startswith("signature="))


def rest_payload(raw_query, raw_body):
    return strip_signature(raw_query) + strip_signature(raw_body)


def ws_value_text(value):
    """A JSON param value as it appears in the WebSocket API signature payload."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def ws_payload(params):
    return "&".join(f"{name}={ws_value_text(params[name])}" for name in sorted(params) if name != "signature")


class Verifier:
    """Checks signatures for the one account of the fake: an HMAC secret, or an Ed25519 public key."""

    def __init__(self, secret, ed25519_public_key_pem=None):
        self._secret = secret.encode("utf-8")
        self._ed25519 = None
        if ed25519_public_key_pem is not None:
            # python3-cryptography (Debian) loads the PEM the way Binance's own examples do.
            from cryptography.hazmat.primitives.serialization import load_pem_public_key
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            key = load_pem_public_key(ed25519_public_key_pem)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("--ed25519-public-key is not an Ed25519 public key")
            self._ed25519 = key

    @property
    def is_ed25519(self):
        return self._ed25519 is not None

    def check(self, payload, signature):
        """Raises -1022 unless `signature` signs the UTF-8 bytes of `payload` with this account's key."""
        data = payload.encode("utf-8")
        if self._ed25519 is not None:
            from cryptography.exceptions import InvalidSignature

            try:
                self._ed25519.verify(base64.b64decode(signature, validate=True), data)
                return
            except (InvalidSignature, binascii.Error, ValueError):
                raise ApiError(*BAD_SIGNATURE) from None
        expected = hmac.new(self._secret, data, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.lower()):
            raise ApiError(*BAD_SIGNATURE)


def parse_timestamp_ms(value, name="timestamp"):
    """A ms or µs timestamp parameter as Decimal milliseconds."""
    text = str(value)
    if not text.isdigit():
        if text == "":
            raise missing(name)
        raise illegal(name, "^[0-9]{1,20}$")
    number = int(text)
    return Decimal(number) / 1000 if number >= MICROSECOND_THRESHOLD else Decimal(number)


def parse_recv_window(value):
    if value is None or value == "":
        return DEFAULT_RECV_WINDOW_MS
    try:
        window = Decimal(str(value))
    except InvalidOperation:
        raise illegal("recvWindow", r"^[0-9]{1,20}(\.[0-9]{1,3})?$") from None
    if not window.is_finite() or window < 0 or window.as_tuple().exponent < -3:
        raise illegal("recvWindow", r"^[0-9]{1,20}(\.[0-9]{1,3})?$")
    if window > MAX_RECV_WINDOW_MS:
        # errors.md "-1102": "'%s' contains unexpected value. Cannot be greater than %s."
        raise ApiError(-1102, "'recvWindow' contains unexpected value. Cannot be greater than 60000.")
    return window


def check_timing(timestamp, recv_window, server_time_ms):
    """rest-api.md "Timing security": -1021 unless the request is inside its window."""
    timestamp_ms = parse_timestamp_ms(timestamp)
    window = parse_recv_window(recv_window)
    if timestamp_ms >= server_time_ms + 1000:
        raise ApiError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if server_time_ms - timestamp_ms > window:
        raise ApiError(-1021, "Timestamp for this request is outside of the recvWindow.")
