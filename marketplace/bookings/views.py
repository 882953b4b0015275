"""HTML pages of bookings."""
from flask import Blueprint

bp = Blueprint("bookings", __name__)
