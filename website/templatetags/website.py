from urllib.parse import urlsplit

from django import template

from website.contact import tel_uri as _tel_uri

register = template.Library()


@register.filter
def tel_uri(number: str) -> str:
    """``{{ "33 35 91 91"|tel_uri }}`` → ``tel:33359191``."""
    return _tel_uri(str(number))


@register.filter
def host(url: str) -> str:
    """A web address as people say it: ``https://www.skiv.no/`` → ``skiv.no``."""
    name = urlsplit(str(url)).hostname or str(url)
    return name.removeprefix("www.")
