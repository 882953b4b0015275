"""Feedback and complaints 群众发声: residents' voices about a listing, an organisation or a community, answered
in public by whoever is responsible, escalated to the street when nobody answers."""
