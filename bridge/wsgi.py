"""WSGI entry point for production servers: ``gunicorn 'bridge.wsgi:app'``."""

from bridge.app import create_app

app = create_app()
