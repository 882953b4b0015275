"""Domain exceptions raised by services and mapped once to HTTP codes (see ``core.http``)."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400

    def __init__(self, message, *, field: str | None = None, details: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.details = details or {}


class NotFound(DomainError):
    status_code = 404


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class ValidationFailed(DomainError):
    """A business rule refused the input; ``field`` names the input at fault when there is one."""

    status_code = 422

    def __init__(self, field: str | None, message, *, details: dict | None = None):
        super().__init__(message, field=field, details=details)


class TooManyAttempts(DomainError):
    """A limit on attempts was reached; ``retry_after`` says in how many seconds trying again is allowed."""

    status_code = 429

    def __init__(self, message, *, retry_after: int):
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
