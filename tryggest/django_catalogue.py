"""Django's own admin strings that its bokmål catalogue (5.2) lacks or words badly, so that
``makemessages`` puts them into the project's catalogue (``locale/nb``), which Django reads before
its own (LOCALE_PATHS). Never imported: it exists to be extracted (issue 20, item 1). Each msgid
is copied exactly from Django's templates and code; ``tests/tryggest/test_staff_language.py``
walks every staff page and fails on any of them left in English.

To find what a new Django version added: compare ``django/contrib/admin/locale/en`` with ``nb``.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

ADMIN_CHROME = [
    gettext_noop("Skip to main content"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Sidebar"),
    gettext_noop("Start typing to filter…"),
    gettext_noop("Filter navigation items"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("Error:"),
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("Thanks for spending some quality time with the web site today."),
    gettext_noop("In case you’ve forgotten, you are:"),
    # Django's bokmål says "Legg til ny …" whatever the noun's gender ("ny Spørsmål").
    gettext_noop("Add %(name)s"),
    gettext_noop("Add %s"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("Add another %(verbose_name)s"),
    ngettext_lazy("Please correct the error below.", "Please correct the errors below."),
    ngettext_lazy("entry", "entries"),
]

VALIDATION = [
    gettext_noop("Enter a valid domain name."),
    gettext_noop("Enter a valid %(protocol)s address."),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
]

USERS = [
    gettext_noop("Set password"),
    gettext_noop("Reset password"),
    gettext_noop("Password-based authentication"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
]
