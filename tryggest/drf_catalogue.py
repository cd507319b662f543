"""Django REST framework's own messages that its bokmål catalogue (3.16) lacks, so that
``makemessages`` puts them into the project's catalogue (``locale/nb``), which Django reads
before DRF's own (LOCALE_PATHS). Never imported: it exists to be extracted (issue 20, item 1,
"what Django's and DRF's nb catalogues lack"). Each msgid is copied exactly from DRF's code.

To find what a new DRF version added: run ``makemessages -l en`` on a copy of the
``rest_framework`` package and compare its msgids with DRF's ``locale/nb`` catalogue.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

API_MESSAGES = [
    gettext_noop("Invalid input."),
    ngettext_lazy(
        "Expected available in {wait} second.", "Expected available in {wait} seconds.", 1
    ),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop(
        'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'
    ),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Datetime value out of range."),
    gettext_noop("The number of days must be between {min_days} and {max_days}."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    # The schema's and the browsable API's descriptions of paging and filtering parameters.
    gettext_noop("A search term."),
    gettext_noop("Which field to use when ordering the results."),
    gettext_noop("A page number within the paginated result set."),
    gettext_noop("Number of results to return per page."),
    gettext_noop("The initial index from which to return the results."),
    gettext_noop("The pagination cursor value."),
    gettext_noop("unique integer value"),
    gettext_noop("UUID string"),
    gettext_noop("unique value"),
    gettext_noop("A {value_type} identifying this {name}."),
]
