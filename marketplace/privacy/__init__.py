"""People's own data (PIPL): their export, their account's deletion, what staff did on their behalf, the
privacy notice. Its own area on top of the others because it gathers every area's part (through the
registry in core.personal_data) and cancels bookings through the booking service, which accounts, below
bookings, may not import."""
