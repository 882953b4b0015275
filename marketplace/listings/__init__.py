"""Listings (spaces, skills, services), their opening hours, exceptions and photos."""
