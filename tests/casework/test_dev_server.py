from django.contrib.staticfiles.handlers import StaticFilesHandler

from casework.management.commands.runserver_with_reminders import Command


def test_make_runs_dev_server_serves_the_css(settings):
    # `make run` serves the admin and the public pages: without the static handler they lose
    # their stylesheets (and the public pages' CSP allows no inline styles to fall back on).
    settings.DEBUG = True
    handler = Command().get_handler(use_static_handler=True, insecure_serving=False)
    assert isinstance(handler, StaticFilesHandler)
