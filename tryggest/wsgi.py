import os

from django.core.wsgi import get_wsgi_application

from tryggest.middleware import ChunkedBody

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tryggest.settings")

# A chunked body that the server decoded (gunicorn) reaches Django with its length (issue 14).
application = ChunkedBody(get_wsgi_application())

# After Django is set up: the system checks, which no management command has run for gunicorn.
from tryggest.startup import refuse_to_serve_when_misconfigured  # noqa: E402

refuse_to_serve_when_misconfigured()
