"""Bearer-token checks, and how the token looks to Cloudflare's token-verify endpoints.

The token value is only compared (in constant time); it is never logged, echoed or used as a key:
rate-limit buckets and the verify ``result.id`` use a digest of it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

TokenOwner = Literal["account", "user", "both"]
TokenStatus = Literal["active", "disabled", "expired"]


class TokenCheck(Enum):
    """Outcome of checking a request's ``Authorization`` header."""

    VALID = "valid"
    MISSING_OR_WRONG = "missing_or_wrong"


@dataclass
class TokenPolicy:
    """The one API token the emulator accepts, and what it is allowed to do.

    :param token: the accepted bearer token.
    :param owner: who owns it: ``"account"`` tokens verify only at ``/accounts/{id}/tokens/verify``,
        ``"user"`` tokens only at ``/user/tokens/verify``, ``"both"`` at either; the other endpoint
        answers 401 code 1000 "Invalid API Token".
    :param status: what token verify reports; any status other than ``"active"`` makes RealtimeKit routes
        answer 401 code 10000.
    :param realtime_permission: False makes RealtimeKit routes answer 403 code 10000 (token verify still works).
    """

    token: str = field(repr=False)
    owner: TokenOwner = "account"
    status: TokenStatus = "active"
    realtime_permission: bool = True

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("the emulator token must not be empty")
        if self.owner not in ("account", "user", "both"):
            raise ValueError(f"token owner must be account, user or both, got {self.owner!r}")
        if self.status not in ("active", "disabled", "expired"):
            raise ValueError(f"token status must be active, disabled or expired, got {self.status!r}")

    @property
    def token_id(self) -> str:
        """A 32-hex-digit id derived from the token (the verify ``result.id``, the rate-limit key)."""
        return hashlib.sha256(self.token.encode()).hexdigest()[:32]

    def check(self, authorization: bytes | None) -> TokenCheck:
        """Check an ``Authorization`` header value.

        :param authorization: the raw header value, or None when absent.
        """
        if authorization is None:
            return TokenCheck.MISSING_OR_WRONG
        scheme, _, presented = authorization.partition(b" ")
        if scheme.lower() != b"bearer":
            return TokenCheck.MISSING_OR_WRONG
        if not hmac.compare_digest(presented.strip(), self.token.encode()):
            return TokenCheck.MISSING_OR_WRONG
        return TokenCheck.VALID

    def verifies_at(self, owner: Literal["account", "user"]) -> bool:
        """Tell whether the verify endpoint of ``owner`` accepts this token.

        :param owner: ``"account"`` or ``"user"``.
        """
        return self.owner in (owner, "both")
