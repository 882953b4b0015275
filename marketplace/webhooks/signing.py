"""Standard Webhooks signatures (https://www.standardwebhooks.com): ``whsec_`` secrets and the ``v1`` scheme."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh endpoint secret: ``whsec_`` and the base64 of 32 random bytes (the spec asks for 24 to 64)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` under the secret's key bytes."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_in_use: list[str], message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three headers of one send: one signature per secret in use, space-separated (during a rotation)."""
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(sign(secret, message_id, timestamp, body) for secret in secrets_in_use)}
