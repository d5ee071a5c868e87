from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Reader comments"

    def ready(self):
        from comments.models import Comment

        post_save.connect(redraw_pages_showing, sender=Comment, dispatch_uid="comments-redraw-save")
        post_delete.connect(redraw_pages_showing, sender=Comment, dispatch_uid="comments-redraw-delete")


def redraw_pages_showing(instance, **_signal_kwargs):
    """Redraw cached pages when a comment readers see (or saw until now) changes; held ones change nothing."""
    from newsroom.cache import invalidate_pages

    if instance.is_or_was_public:
        invalidate_pages()
