"""What the admin's article change form posts back for an article left as it is."""

from django.utils import timezone


def article_form_data(article):
    byline = article.bylines.get()
    published = timezone.localtime(article.publish_at)
    return {
        "headline": article.headline,
        "alternative_headline": article.alternative_headline,
        "slug": article.slug,
        "section": str(article.section_id),
        "standfirst": article.standfirst,
        "body": article.body,
        "hero_caption": article.hero_caption,
        "tags": ", ".join(article.tags.names()),
        "status": article.status,
        "publish_at_0": published.strftime("%Y-%m-%d"),
        "publish_at_1": published.strftime("%H:%M:%S"),
        "priority": str(article.priority),
        "comments_enabled": "on",
        "expected_version": str(article.version),
        "bylines-TOTAL_FORMS": "1",
        "bylines-INITIAL_FORMS": "1",
        "bylines-MIN_NUM_FORMS": "1",
        "bylines-MAX_NUM_FORMS": "1000",
        "bylines-0-id": str(byline.pk),
        "bylines-0-article": str(article.pk),
        "bylines-0-author": str(byline.author_id),
        "bylines-0-position": str(byline.position),
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        "corrections-MIN_NUM_FORMS": "0",
        "corrections-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
