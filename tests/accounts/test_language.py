import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_is_norwegian_even_for_an_english_browser(alice, as_user):
    client = as_user(alice)
    html = client.get(
        reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert '<html lang="nb"' in html
    assert "Henvendelser" in html


def test_english_is_a_choice_the_user_makes(alice, as_user):
    client = as_user(alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    html = client.get(reverse("admin:index")).content.decode()
    assert '<html lang="en"' in html
    assert "Enquiries" in html
    client.post(reverse("set_language"), {"language": "nb", "next": "/admin/"})
    assert "Henvendelser" in client.get(reverse("admin:index")).content.decode()
