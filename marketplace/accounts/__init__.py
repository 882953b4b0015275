"""Users, sign-up and login, profiles, API tokens."""
