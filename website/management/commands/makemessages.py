"""Django's makemessages, plus the residents' vocabulary and catalogues (``website.catalogues``).

Run it as before, for every catalogue at once:
``DEBUG=True .venv/bin/python manage.py makemessages -a -i ".venv/*" -i "tests/*" -i "bench/*" --add-location file``
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from django.core.management.commands import makemessages

from website.catalogues import VOCABULARY_FILE, keep_residents_strings, vocabulary_source


class VocabularyBuildFile(makemessages.BuildFile):
    """The vocabulary YAML is given to xgettext as Python source (its residents' labels)."""

    @cached_property
    def is_vocabulary(self) -> bool:
        return os.path.normpath(self.path).endswith(os.path.normpath(VOCABULARY_FILE))

    @cached_property
    def is_templatized(self) -> bool:
        return self.is_vocabulary or super().is_templatized

    def preprocess(self) -> None:
        if not self.is_vocabulary:
            super().preprocess()
            return
        with open(self.work_path, "w", encoding="utf-8") as fh:
            fh.write(vocabulary_source())


class Command(makemessages.Command):
    build_file_class = VocabularyBuildFile

    def find_files(self, root: str) -> list[Any]:
        files = super().find_files(root)
        # In the same catalogue as the code that reads it.
        beside = next(f for f in files if f.path.endswith(os.path.join("kernel", "vocabulary.py")))
        directory, name = os.path.split(os.path.join(root, VOCABULARY_FILE))
        files.append(self.translatable_file_class(directory, name, beside.locale_dir))
        return sorted(files)

    def write_po_file(self, potfile: str, locale: str) -> None:
        super().write_po_file(potfile, locale)
        pofile = Path(potfile).parent / locale / "LC_MESSAGES" / f"{self.domain}.po"
        keep_residents_strings(pofile, locale)
