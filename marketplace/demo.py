"""Demo street for `flask seed-demo`."""
from sqlalchemy.orm import Session


def seed(session: Session) -> bool:
    """Create the demo data unless it exists; return whether anything was created."""
    return False
