"""The reference for bench/pages_bench.py (not a bench script itself): a bare Flask app answering a short text, served by the same gunicorn."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
