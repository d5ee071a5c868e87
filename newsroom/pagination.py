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
    """

    def __init__(self, object_list, per_page, asked_page=1, pages_counted_ahead=10):
        super().__init__(object_list, per_page)
        self.counted_up_to = None if pages_counted_ahead is None else (asked_page + pages_counted_ahead) * per_page + 1

    @cached_property
    def count(self):
        if self.counted_up_to is None:
            return super().count
        # A count of a slice: the database stops at the slice's end, in whatever order is quickest.
        return self.object_list.order_by()[: self.counted_up_to].count()

    @property
    def count_is_exact(self):
        """False when there are more pages than were counted: the page says "Page 3", not "Page 3 of 13"."""
        return self.counted_up_to is None or self.count < self.counted_up_to
