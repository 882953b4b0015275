"""Platform administration and the audit log."""
