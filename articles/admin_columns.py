"""Cells that keep an admin list to one line a row: long text clipped, with the whole of it in a tooltip,
and times written short. Shared by the editors' article list and the moderators' comment queue."""

from django.utils import timezone
from django.utils.html import format_html

# The day and time for this year's dates, the day and year for older ones: both fit a narrow column.
THIS_YEAR_FORMAT = "%b %H:%M"
EARLIER_FORMAT = "%b %Y"
FULL_TIME_FORMAT = "%Y-%m-%d %H:%M:%S %Z"


def clipped(text):
    """The text on one line, cut by the stylesheet where its column ends; the tooltip shows it whole."""
    if not text:
        return format_html('<span class="cell-clip">{}</span>', "—")
    return format_html('<span class="cell-clip" title="{}">{}</span>', text, text)


def short_time(moment):
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    rest = local.strftime(THIS_YEAR_FORMAT if local.year == timezone.localdate().year else EARLIER_FORMAT)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        local.strftime(FULL_TIME_FORMAT),
        f"{local.day} {rest}",
    )
