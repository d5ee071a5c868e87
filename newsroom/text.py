"""Text fit for XML 1.0 and the database.

Editors paste from word processors, which leave characters behind that no
reader sees but that XML 1.0 forbids (Word's manual line break is U+000B, its
page break U+000C) and that PostgreSQL refuses (NUL). One such character in a
headline used to make every feed that listed it fail. Editorial text is cleaned
on the way in by the model fields below, and feeds and sitemaps clean what
they write too, for rows stored before the cleaning or written around it
(QuerySet.update()); so no data migration rewrites the rows already stored.
"""

import re

from django.db import models

# What XML 1.0 (section 2.2, "Char") forbids, less the line breaks handled
# below: C0 controls but tab, line feed and carriage return; surrogates, which
# can only be lone halves in a Python string; and the non-characters U+FFFE and
# U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Vertical tab and form feed (Word's line and page breaks) and the Unicode line
# and paragraph separators: breaks a reader meant, written in characters XML
# forbids or that many readers do not treat as breaks.
_FOREIGN_BREAKS = re.compile("[\x0b\x0c\u2028\u2029]")
_ANY_BREAK = re.compile("\r\n|[\r\n\x0b\x0c\u2028\u2029]")
# Anything clean_text() changes: for code that reports what it cleaned.
NEEDS_CLEANING = re.compile(f"{_FORBIDDEN.pattern}|{_FOREIGN_BREAKS.pattern}")


def clean_text(value):
    """Multi-line text with the forbidden characters removed and foreign line
    breaks made newlines. Anything but a string is returned as it is."""
    if not isinstance(value, str):
        return value
    return _FOREIGN_BREAKS.sub("\n", _FORBIDDEN.sub("", value))


def clean_line(value):
    """Single-line text (a headline, a name, a caption): as clean_text, with
    every line break made a space."""
    if not isinstance(value, str):
        return value
    return _ANY_BREAK.sub(" ", _FORBIDDEN.sub("", value))


class _CleanedOnSave:
    """A text field whose value is cleaned when the model is validated and
    whenever it is written (save(), bulk_create()), so the admin, the ORM and
    imports all store clean text."""

    # Not named clean: Field.clean() is Django's validation entry point.
    cleaner = staticmethod(clean_text)

    def to_python(self, value):
        return self.cleaner(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = self.cleaner(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        # The column is the plain Django field's: migrations record that field,
        # so they need no change and never depend on this module.
        name, _path, args, kwargs = super().deconstruct()
        plain = next(base for base in type(self).__mro__ if base.__module__.startswith("django.db.models"))
        return name, f"django.db.models.{plain.__name__}", args, kwargs


class CleanCharField(_CleanedOnSave, models.CharField):
    """A single-line text field: see clean_line."""

    cleaner = staticmethod(clean_line)


class CleanTextField(_CleanedOnSave, models.TextField):
    """A multi-line text field: see clean_text."""
