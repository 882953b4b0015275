"""Reviews after a booking: double-blind, each side of the other, with replies and reports."""
