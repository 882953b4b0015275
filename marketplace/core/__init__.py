"""Pieces every area uses: database base, clock, errors, permissions."""
