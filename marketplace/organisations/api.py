"""JSON face of organisations."""
from flask_smorest import Blueprint

from marketplace.core.api import API_PREFIX

blp = Blueprint("organisations_api", __name__, url_prefix=API_PREFIX)
