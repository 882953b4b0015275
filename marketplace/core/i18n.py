"""Translation helpers usable from services without touching the request.

``_l`` returns a lazy string that is translated when rendered, in whichever locale the
request (or CLI) runs; outside an app context it renders untranslated. ``_lp`` is the same with a
context, for a Chinese word that English says two ways (资源 is "Listings" over a list, "Listing" for one).
"""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

__all__ = ["_l", "_lp"]
