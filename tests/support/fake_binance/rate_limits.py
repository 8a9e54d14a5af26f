"""Request weight per IP (the fake has one client, so one counter), 429 and the 418 ban.

rest-api.md "LIMITS" / "IP Limits": every answer carries X-MBX-USED-WEIGHT-1M; over the limit the
answer is HTTP 429 with Retry-After (seconds until the window resets); a client that keeps sending
while a 429 is in force is banned with HTTP 418 and Retry-After (seconds until the ban ends),
"from 2 minutes". Windows are whole wall-clock minutes, as Binance counts them.
"""

import math
import time

from errors import ApiError

WINDOW_S = 60
# Requests sent while a 429 is in force that earn a ban; Binance does not publish its number.
STRIKES_BEFORE_BAN = 3
BAN_S = 120

# errors.md "-1003 TOO_MANY_REQUESTS"
TOO_MUCH_WEIGHT = "Too much request weight used; current limit is {} request weight per 1 MINUTE. " \
                  "Please use WebSocket Streams for live updates to avoid polling the API."
BANNED = "Way too much request weight used; IP banned until {}. " \
         "Please use WebSocket Streams for live updates to avoid bans."


class RateLimiter:
    def __init__(self, limit, clock=time.time):
        self.limit = limit
        self.clock = clock
        self.reset()

    def reset(self):
        self.window = None
        self.used = 0
        self.strikes = 0
        self.banned_until = 0.0

    def _roll(self, now):
        window = int(now // WINDOW_S)
        if window != self.window:
            self.window = window
            self.used = 0
            self.strikes = 0

    def used_now(self):
        self._roll(self.clock())
        return self.used

    def charge(self, weight):
        """Counts a request of `weight`; raises 429 or 418 (as ApiError) when it may not be served."""
        now = self.clock()
        self._roll(now)
        if now < self.banned_until:
            raise self._ban_error(now)
        over_before = self.used > self.limit
        self.used += weight
        if self.used <= self.limit:
            return
        if over_before:
            self.strikes += 1
            if self.strikes >= STRIKES_BEFORE_BAN:
                self.banned_until = now + BAN_S
                raise self._ban_error(now)
        retry_after = max(1, math.ceil((self.window + 1) * WINDOW_S - now))
        raise ApiError(-1003, TOO_MUCH_WEIGHT.format(self.limit), http_status=429,
                       headers={"Retry-After": str(retry_after)})

    def _ban_error(self, now):
        until_ms = int(self.banned_until * 1000)
        return ApiError(-1003, BANNED.format(until_ms), http_status=418,
                        headers={"Retry-After": str(max(1, math.ceil(self.banned_until - now)))})
