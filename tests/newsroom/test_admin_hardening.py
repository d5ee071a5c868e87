"""Every admin page stands on the hardened bases of newsroom/admin_hardening.py, which the hostile-input
tests exercise: an admin registered later, or an inline added to one, cannot forget them, and Django's
own classes are left as Django ships them."""

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.auth.models import User
from django.forms.models import ModelMultipleChoiceField
from django.test import RequestFactory

from newsroom.admin_hardening import (
    HardenedAutocompleteMixin,
    HardenedChangeList,
    HardenedInlineMixin,
    HardenedModelAdmin,
    HardenedModelMultipleChoiceField,
)

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
by_model = pytest.mark.parametrize(
    "model_admin", [model_admin for _, model_admin in REGISTERED], ids=[model._meta.label for model, _ in REGISTERED]
)


@pytest.fixture
def superuser_request(db):
    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser("root", "root@example.org", "correct horse battery")
    return request


def test_the_site_has_the_admins_of_every_app():
    labels = {model._meta.label for model, _ in REGISTERED}
    assert {"auth.User", "auth.Group", "taggit.Tag", "articles.Article", "comments.Comment"} <= labels


@by_model
def test_every_registered_admin_is_hardened(model_admin, superuser_request):
    assert isinstance(model_admin, HardenedModelAdmin)
    assert issubclass(model_admin.get_changelist(superuser_request), HardenedChangeList)


@by_model
def test_every_inline_is_hardened(model_admin, superuser_request):
    for inline in [*model_admin.inlines, *model_admin.get_inlines(superuser_request, None)]:
        assert issubclass(inline, HardenedInlineMixin), inline


def form_fields(model_admin, request):
    """The fields of an admin's change form and of its inlines' forms."""
    obj = model_admin.model()
    fields = dict(model_admin.get_form(request, obj).base_fields)
    for inline in model_admin.get_inline_instances(request, obj):
        prefix = inline.model._meta.model_name
        fields.update(
            {f"{prefix}.{name}": field for name, field in inline.get_formset(request, obj).form.base_fields.items()}
        )
    return fields


@by_model
def test_every_related_field_checks_the_ids_it_is_sent(model_admin, superuser_request):
    for name, field in form_fields(model_admin, superuser_request).items():
        widget = getattr(field.widget, "widget", field.widget)  # inside the admin's "add another" wrapper
        if isinstance(widget, AutocompleteMixin):
            assert isinstance(widget, HardenedAutocompleteMixin), name
        if isinstance(field, ModelMultipleChoiceField):
            assert isinstance(field, HardenedModelMultipleChoiceField), name


@pytest.mark.parametrize(
    "django_class, method",
    [
        (admin.ModelAdmin, "get_search_results"),
        (InlineModelAdmin, "get_formset"),
        (ChangeList, "get_filters"),
        (AutocompleteMixin, "optgroups"),
        (ModelMultipleChoiceField, "_check_values"),
    ],
)
def test_django_classes_are_not_patched(django_class, method):
    assert getattr(django_class, method).__module__.startswith("django."), f"{django_class.__name__}.{method}"
