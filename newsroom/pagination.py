"""Pages of lists as long as a news archive."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class ArchivePaginator(Paginator):
    """Counts a list only as far as a few pages past the one asked for.

    An author's or a section's list runs to tens of thousands of stories at a newsroom's scale, and
    counting them all costs more than the rest of the page: one author's 20,000 bylines took a
    hundred times the page's other queries. Readers need to know whether there is an older page, and
    a few page numbers ahead; the exact total they never use. With `pages_counted_ahead=None` the
    list is counted in full (search results say how many there are).

    The page asked for and the count come from one query, which reads the list from that page's
    first item to as far as it is counted: pass a list of ids (`values_list("pk", flat=True)`),
    not of whole rows.
    """

    def __init__(self, object_list, per_page, asked_page=1, pages_counted_ahead=10):
        super().__init__(object_list, per_page)
        self.asked_page = asked_page
        self.counted_up_to = None if pages_counted_ahead is None else (asked_page + pages_counted_ahead) * per_page + 1

    @cached_property
    def _from_asked_page(self):
        start = (self.asked_page - 1) * self.per_page
        return start, list(self.object_list[start : self.counted_up_to])

    @cached_property
    def count(self):
        if self.counted_up_to is None:
            return super().count
        start, rest = self._from_asked_page
        # Nothing from the asked page on: it does not exist, whatever comes before it.
        return start + len(rest) if rest else 0

    @property
    def count_is_exact(self):
        """False when there are more pages than were counted: the page says "Page 3", not "Page 3 of 13"."""
        return self.counted_up_to is None or self.count < self.counted_up_to

    def page(self, number):
        number = self.validate_number(number)
        if self.counted_up_to is None or number != self.asked_page:
            return super().page(number)
        return self._get_page(self._from_asked_page[1][: self.per_page], number, self)
