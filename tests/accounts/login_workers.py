"""A separate process with its own app, trying passwords through the token endpoint (for test_login_limits)."""
from __future__ import annotations

from marketplace import create_app


def try_passwords(config: dict, logins: list[str], password: str, rounds: int, barrier, statuses) -> None:
    """Once both processes are ready, post ``rounds`` token requests from 10.0.0.1 for one login after the
    other; put (login, status) on ``statuses`` for each."""
    app = create_app(config)
    client = app.test_client()
    barrier.wait(timeout=120)
    for login in logins:
        for _ in range(rounds):
            response = client.post("/api/v1/auth/tokens", json={"login": login, "password": password},
                                   environ_base={"REMOTE_ADDR": "10.0.0.1"})
            statuses.put((login, response.status_code))
