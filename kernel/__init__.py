"""The shared kernel: what every app may use and nothing in it knows of any app.

Ids from outside, the errors the services raise, settings from the environment, the domain's
vocabulary, Norwegian national identity numbers, free-text rules, the Norwegian calendar and
opening hours, and the API's plumbing (body limits, strict input, one error shape). It imports
Django and libraries only, never ``accounts``, ``audit``, ``intake``, ``routing``, ``casework``,
``stats``, ``oversight`` or ``tryggest`` (README: Architecture; ``lint-imports`` checks it).
"""
