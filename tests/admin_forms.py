"""Submit admin forms the way a browser does: read the rendered form, change a few fields, post it back.

Building the POST data from the page itself (rather than by hand) means a widget that renders a value it
cannot read back, or a hidden field that goes missing, fails the tests as it would fail an editor.
"""

from html.parser import HTMLParser

from django.utils import timezone


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields = {}
        self._textarea = None
        self._select = None
        self._option = None

    def _add(self, name, value):
        if name and "__prefix__" not in name:
            self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
            return
        if not self.in_form or "disabled" in attrs:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "reset", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._add(attrs.get("name"), attrs.get("value", "on" if kind in ("checkbox", "radio") else ""))
        elif tag == "textarea":
            self._textarea = [attrs.get("name"), ""]
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            if "value" in attrs:
                self._add(self._select, attrs["value"])
            else:
                self._option = ""  # an option without a value sends its text

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._option is not None:
            self._option += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # Browsers drop the newline that directly follows <textarea>.
            self._add(name, text.removeprefix("\n"))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            self._add(self._select, self._option.strip())
            self._option = None
        elif tag == "select":
            self._select = None


def read_form(page, form_id="article_form"):
    """The fields a browser would submit from the form on this admin page: {name: value or [values]}.

    `page` is a test client's response, or the answer of a real server (tests/servers.py)."""
    status = getattr(page, "status_code", getattr(page, "status", None))
    assert status == 200, status
    html = page.content.decode() if hasattr(page, "content") else page.text
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.fields, f"no form #{form_id} on the page"
    return {name: values[0] if len(values) == 1 else values for name, values in reader.fields.items()}


def split_datetime(value):
    """The admin's date and time inputs for an aware datetime, in the site's time zone."""
    local = timezone.localtime(value)
    return {"publish_at_0": local.strftime("%Y-%m-%d"), "publish_at_1": local.strftime("%H:%M:%S")}


def form_errors(response):
    """Every error the admin form shows, as plain strings."""
    form = response.context["adminform"].form
    errors = [str(error) for field_errors in form.errors.values() for error in field_errors]
    for inline in response.context["inline_admin_formsets"]:
        errors += [str(error) for error in inline.formset.non_form_errors()]
        errors += [str(error) for inline_form_errors in inline.formset.errors for error in inline_form_errors.values()]
    return errors


def with_changes(data, **changes):
    """The form data with some fields changed, as sent by the Save button; `publish_at` takes an aware
    datetime, or None to leave it empty."""
    data = dict(data)
    if "publish_at" in changes:
        when = changes.pop("publish_at")
        data.update(split_datetime(when) if when else {"publish_at_0": "", "publish_at_1": ""})
    data.update(changes)
    data["_save"] = "Save"
    return data
