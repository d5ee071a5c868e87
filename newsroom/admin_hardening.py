"""Crafted admin requests that Django itself answers with a server error, answered properly.

Each is a gap in Django 5.2's admin, found by the hostile-input tests; they are closed once,
at start-up, for every admin page of the project (and any added later):

- a related field shown as an autocomplete, sent back with text or an out-of-range number
  where an id belongs, is looked up as it is when the form is redrawn with its errors;
- a date-hierarchy year the calendar cannot hold (`?publish_at__year=9999999`) overflows
  instead of being reported as a bad filter, and a filter value with a NUL character is refused
  by PostgreSQL's driver when the list is read;
- a search of tens of kilobytes exceeds what SQLite accepts in a LIKE pattern, and one with a
  NUL character is refused by PostgreSQL's driver;
- a many-to-many choice (related articles) beyond the database's integer range reaches SQLite,
  which raises instead of finding nothing;
- an inline's TOTAL_FORMS claiming a thousand forms makes Django build and validate a thousand
  forms (seconds of work per request): every inline here takes at most MAX_INLINE_FORMS, and a
  request claiming more is refused with the formset's own "at most" error.
"""

from django.contrib.admin import ModelAdmin
from django.contrib.admin.options import IncorrectLookupParameters, InlineModelAdmin
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import ValidationError
from django.forms.models import ModelMultipleChoiceField

# Far longer than anything typed into an admin search box.
MAX_ADMIN_SEARCH_LENGTH = 500
# More bylines, corrections or links than any one article or site has.
MAX_INLINE_FORMS = 100


def _is_valid_key(key_field, value):
    try:
        key_field.run_validators(key_field.to_python(value))
    except (ValidationError, TypeError, ValueError, OverflowError):
        return False
    return True


def _autocomplete_optgroups(original):
    def optgroups(self, name, value, attr=None):
        remote_opts = self.field.remote_field.model._meta
        key_field = remote_opts.get_field(getattr(self.field.remote_field, "field_name", remote_opts.pk.attname))
        # The form reports the invalid choice itself; the widget only shows the valid ones.
        return original(self, name, [choice for choice in value if _is_valid_key(key_field, choice)], attr)

    return optgroups


def _filters_refusing_impossible_values(original):
    def get_filters(self, request):
        # The changelist answers IncorrectLookupParameters with the unfiltered list and an "invalid filter" notice.
        filter_values = [value for values in self.get_filters_params().values() for value in values]
        if any("\x00" in value for value in filter_values):
            raise IncorrectLookupParameters("A filter value contains a NUL character.")
        try:
            return original(self, request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error

    return get_filters


def _search_the_database_accepts(original):
    def get_search_results(self, request, queryset, search_term):
        return original(self, request, queryset, search_term.replace("\x00", "")[:MAX_ADMIN_SEARCH_LENGTH])

    return get_search_results


def _choices_checked_as_keys(original):
    def _check_values(self, value):
        opts = self.queryset.model._meta
        key_field = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for choice in value:
            if not _is_valid_key(key_field, choice):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": choice}
                )
        return original(self, value)

    return _check_values


def _formsets_of_bounded_size(original):
    def get_formset(self, request, obj=None, **kwargs):
        most = min(self.get_max_num(request, obj, **kwargs) or MAX_INLINE_FORMS, MAX_INLINE_FORMS)
        return original(self, request, obj, **{"max_num": most, "absolute_max": most, **kwargs})

    return get_formset


def harden_admin():
    AutocompleteMixin.optgroups = _autocomplete_optgroups(AutocompleteMixin.optgroups)
    ChangeList.get_filters = _filters_refusing_impossible_values(ChangeList.get_filters)
    ModelAdmin.get_search_results = _search_the_database_accepts(ModelAdmin.get_search_results)
    ModelMultipleChoiceField._check_values = _choices_checked_as_keys(ModelMultipleChoiceField._check_values)
    InlineModelAdmin.get_formset = _formsets_of_bounded_size(InlineModelAdmin.get_formset)
