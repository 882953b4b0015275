"""Translation helpers usable from services without touching the request.

``_l`` returns a lazy string that is translated when rendered, in whichever locale the
request (or CLI) runs; outside an app context it renders untranslated.
"""
from flask_babel import lazy_gettext as _l

__all__ = ["_l"]
