"""The help page: how booking works and whom to call."""
