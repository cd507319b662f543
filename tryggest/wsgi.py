import os

from django.core.wsgi import get_wsgi_application

from tryggest.middleware import ChunkedBody

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tryggest.settings")

# A chunked body that the server decoded (gunicorn) reaches Django with its length (issue 14).
application = ChunkedBody(get_wsgi_application())
