"""Reputation: computed from revealed reviews and kept bookings, never typed in."""
