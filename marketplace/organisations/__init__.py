"""Organisations, their staff, and verification by platform admins."""
