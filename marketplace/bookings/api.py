"""JSON face of bookings."""
from flask_smorest import Blueprint

from marketplace.core.api import API_PREFIX

blp = Blueprint("bookings_api", __name__, url_prefix=API_PREFIX)
