"""Lists as long as an archive are counted only a few pages ahead of the reader (newsroom/pagination.py)."""

import pytest
from django.http import Http404
from django.test import RequestFactory

from articles import views
from articles.models import Article
from newsroom.pagination import ArchivePaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def thirty(make_article):
    for _ in range(30):
        make_article()
    return Article.objects.published().order_by("-publish_at")


def test_a_long_list_is_counted_only_a_few_pages_ahead(thirty, django_assert_num_queries):
    paginator = ArchivePaginator(thirty, 2, asked_page=1, pages_counted_ahead=3)
    with django_assert_num_queries(1) as captured:
        page = paginator.page(1)
    assert "LIMIT 9" in captured.captured_queries[0]["sql"]
    assert not paginator.count_is_exact
    assert page.has_next() and paginator.num_pages == 5


def test_pages_further_on_count_further(thirty):
    paginator = ArchivePaginator(thirty, 2, asked_page=5, pages_counted_ahead=3)
    page = paginator.page(5)
    assert [article.headline for article in page] == [article.headline for article in thirty[8:10]]
    assert page.has_next() and not paginator.count_is_exact


def test_the_page_asked_for_and_the_count_come_from_one_query(thirty, django_assert_num_queries):
    ninth_and_tenth = [article.pk for article in thirty[8:10]]
    paginator = ArchivePaginator(thirty.values_list("pk", flat=True), 2, asked_page=5, pages_counted_ahead=3)
    with django_assert_num_queries(1):
        page = paginator.page(5)
        assert list(page) == ninth_and_tenth
        # Counted up to the 17th: page 9 has at least one.
        assert page.has_next() and paginator.num_pages == 9 and not paginator.count_is_exact


def test_near_the_end_the_count_is_exact(thirty):
    paginator = ArchivePaginator(thirty, 2, asked_page=14, pages_counted_ahead=3)
    assert paginator.page(14).has_next()
    assert paginator.count_is_exact and paginator.count == 30 and paginator.num_pages == 15
    assert not paginator.page(15).has_next()


def test_counted_in_full_when_asked(thirty):
    paginator = ArchivePaginator(thirty, 2, pages_counted_ahead=None)
    assert paginator.count == 30 and paginator.count_is_exact


def test_the_section_page_says_page_one_without_a_total_it_did_not_count(client, make_article, section, monkeypatch):
    monkeypatch.setattr(views, "PAGES_COUNTED_AHEAD", 1)
    for _ in range(views.ARTICLES_PER_PAGE * 2 + 1):
        make_article()
    first = client.get(section.get_absolute_url()).content.decode()
    assert "Page 1</span>" in first and 'rel="next"' in first
    last = client.get(section.get_absolute_url() + "?page=3").content.decode()
    assert "Page 3 of 3</span>" in last and 'rel="next"' not in last


def test_a_page_past_the_end_is_not_found(make_article):
    make_article()
    with pytest.raises(Http404):
        views.paginate(RequestFactory().get("/section/news/", {"page": "99"}), Article.objects.published())
