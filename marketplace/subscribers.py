"""Every area's reactions to domain events: ``marketplace/<area>/subscribers.py``, found and imported here
so each subscriber is registered before any event is recorded (``create_app`` imports this module)."""
import importlib
import pkgutil

import marketplace

# Looked for beside each package rather than with find_spec, which would import every area package to look
# inside it (the demo street's among them, which no web worker needs).
for _area in pkgutil.iter_modules(marketplace.__path__):
    if _area.ispkg and any(module.name == "subscribers"
                           for module in pkgutil.iter_modules([f"{marketplace.__path__[0]}/{_area.name}"])):
        importlib.import_module(f"marketplace.{_area.name}.subscribers")
