"""Every area's reactions to domain events: ``marketplace/<area>/subscribers.py``, found and imported here
so each subscriber is registered before any event is recorded (``create_app`` imports this module)."""
import importlib
import importlib.util
import pkgutil

import marketplace

for _area in pkgutil.iter_modules(marketplace.__path__):
    if _area.ispkg and importlib.util.find_spec(f"marketplace.{_area.name}.subscribers") is not None:
        importlib.import_module(f"marketplace.{_area.name}.subscribers")
