"""The app as the web server runs it (`gunicorn serve:app`): without the command-line commands, whose modules
(Flask-Migrate and Alembic, the demo street, APScheduler) every worker would otherwise hold (about 14 MB each).
Commands use wsgi.py (`flask --app wsgi …`)."""
from marketplace import create_app

app = create_app({"COMMANDS": False})
