"""The app as the web server runs it (`gunicorn serve:app`): without the `flask db` commands, whose Flask-Migrate
and Alembic every worker would otherwise hold (about 11 MB each). Commands use wsgi.py (`flask --app wsgi …`)."""
from marketplace import create_app

app = create_app({"MIGRATION_COMMANDS": False})
