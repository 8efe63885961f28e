"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from crm import create_app

app = create_app()
