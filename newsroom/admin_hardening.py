"""Crafted admin requests that Django itself answers with a server error, answered properly.

Each is a gap in Django 5.2's admin, found by the hostile-input tests. Every admin of the project
inherits the bases below (`HardenedModelAdmin`, and `HardenedTabularInline`/`HardenedStackedInline`
or `HardenedInlineMixin` for its inlines); a test fails when one registered on the site does not.

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

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
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


class HardenedAutocompleteMixin:
    def optgroups(self, name, value, attr=None):
        remote_opts = self.field.remote_field.model._meta
        key_field = remote_opts.get_field(getattr(self.field.remote_field, "field_name", remote_opts.pk.attname))
        # The form reports the invalid choice itself; the widget only shows the valid ones.
        return super().optgroups(name, [choice for choice in value if _is_valid_key(key_field, choice)], attr)


class HardenedAutocompleteSelect(HardenedAutocompleteMixin, AutocompleteSelect):
    pass


class HardenedAutocompleteSelectMultiple(HardenedAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class HardenedModelMultipleChoiceField(ModelMultipleChoiceField):
    def clean(self, value):
        value = self.prepare_value(value)
        if isinstance(value, (list, tuple)):
            opts = self.queryset.model._meta
            key_field = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
            for choice in value:
                if not _is_valid_key(key_field, choice):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": choice}
                    )
        return super().clean(value)


class HardenedChangeList(ChangeList):
    def get_filters(self, request):
        # The changelist answers IncorrectLookupParameters with the unfiltered list and an "invalid filter" notice.
        filter_values = [value for values in self.get_filters_params().values() for value in values]
        if any("\x00" in value for value in filter_values):
            raise IncorrectLookupParameters("A filter value contains a NUL character.")
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class HardenedFormFieldsMixin:
    """Related fields whose widget and field check a posted id before the database sees it: for model
    admins and inlines alike."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = HardenedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = HardenedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", HardenedModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class HardenedModelAdmin(HardenedFormFieldsMixin, admin.ModelAdmin):
    def get_changelist(self, request, **kwargs):
        return HardenedChangeList

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", "")[:MAX_ADMIN_SEARCH_LENGTH])


class HardenedInlineMixin(HardenedFormFieldsMixin):
    """For an inline built on another inline class (e.g. a third-party app's); otherwise use the two below."""

    def get_formset(self, request, obj=None, **kwargs):
        most = min(self.get_max_num(request, obj, **kwargs) or MAX_INLINE_FORMS, MAX_INLINE_FORMS)
        return super().get_formset(request, obj, **{"max_num": most, "absolute_max": most, **kwargs})


class HardenedTabularInline(HardenedInlineMixin, admin.TabularInline):
    pass


class HardenedStackedInline(HardenedInlineMixin, admin.StackedInline):
    pass
