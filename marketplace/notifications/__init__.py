"""Notifications (通知): the in-app inbox, email from the outbox, each user's preferences, the staff digest."""
