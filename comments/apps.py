from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Reader comments"

    def ready(self):
        from comments.models import Comment

        post_save.connect(redraw_pages_showing, sender=Comment, dispatch_uid="comments-redraw-save")
        post_delete.connect(redraw_pages_without, sender=Comment, dispatch_uid="comments-redraw-delete")


def redraw_pages_showing(instance, **_signal_kwargs):
    """Redraw its article's page when a comment readers see (or saw until now) changes; held ones change nothing.
    One that readers no longer see must not show even while the page is redrawn."""
    if instance.is_or_was_public:
        _redraw(instance, withdrawn=instance.status != instance.Status.APPROVED)


def redraw_pages_without(instance, **_signal_kwargs):
    if instance.is_or_was_public:
        _redraw(instance, withdrawn=True)


def _redraw(comment, withdrawn):
    from comments.threads import thread_key
    from newsroom.cache import invalidate

    invalidate(thread_key(comment.article_id), at_once=withdrawn)
