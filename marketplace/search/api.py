"""JSON face of search."""
from flask_smorest import Blueprint

from marketplace.core.api import API_PREFIX

blp = Blueprint("search_api", __name__, url_prefix=API_PREFIX)
