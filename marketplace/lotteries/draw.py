"""The draw of a lottery, as a pure function anyone can re-run from what the lottery page publishes.

The algorithm (stated on every lottery page, and in ``verify``):

1. Each applicant's key is the SHA-256 hex digest of the UTF-8 text ``"<seed>:<applicant id>"``, where the seed
   is the 64 hexadecimal characters generated (``secrets``) at the moment of the draw.
2. Applicants are ranked by (priority tier, key): tier 0 (the priority group, e.g. residents of the listing's
   community) before tier 1 (everyone else); within a tier the smaller key comes first.
3. The first ``seats`` applicants of the ranking win (one seat each: the listing's capacity, 1 for a room
   booked whole). If the booking rules refuse a winner's booking (a fair-use cap), the seat passes to the next
   in the ranking; the published result names those refused.

Nothing else goes in: not the order of applying, not the clock, not the database. Re-running ``ranking`` with
the published seed and the published id lists gives the published ranking.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

SEED_BYTES = 32


def new_seed() -> str:
    """A fresh, unpredictable seed (64 hexadecimal characters)."""
    return secrets.token_hex(SEED_BYTES)


def key(seed: str, applicant_id: int) -> str:
    return hashlib.sha256(f"{seed}:{applicant_id}".encode()).hexdigest()


def ranking(seed: str, priority_ids: Iterable[int], other_ids: Iterable[int]) -> list[int]:
    """Every applicant id, the priority group first, each tier in the order of its keys."""
    first = set(priority_ids)
    rest = set(other_ids) - first
    return [applicant_id for tier in (first, rest)
            for applicant_id in sorted(tier, key=lambda applicant_id: (key(seed, applicant_id), applicant_id))]
