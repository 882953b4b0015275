"""Residents' groups (群众团队): a leader and members who book together."""
