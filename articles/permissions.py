"""Who may do what with editorial content: the one home of these rules.

Plain functions of a user and an article or image, so that they read (and are tested) without a
request; the admin only asks them. Editors hold the `publish_article` permission; reporters write
and may change their own work until an editor publishes it.
"""

from articles.models import Article


def can_publish(user):
    """Publish, schedule, unpublish, place on the front page, and edit anything editorial."""
    return user.has_perm("articles.publish_article")


def is_own_unpublished(user, article):
    """A reporter's own work (they created it or are in its byline) that readers cannot see yet."""
    if article.status == Article.Status.PUBLISHED:
        return False
    return is_on_the_story(user, article)


def can_edit(user, article):
    return user.has_perm("articles.change_article") and (can_publish(user) or is_own_unpublished(user, article))


def can_view_history(user, article):
    """An article's revisions and their comparisons: for whoever may see the article in the admin."""
    return user.has_perm("articles.view_article") or can_edit(user, article)


def can_restore(user, article):
    """A restore is an edit of the article as it is now."""
    return can_edit(user, article)


def can_delete(user, article):
    return user.has_perm("articles.delete_article") and (can_publish(user) or is_own_unpublished(user, article))


def is_own_unused(user, image):
    """An image the user uploaded that no published article shows yet. Once one does, a new file or
    caption would reach readers without an editor seeing it."""
    return image.uploaded_by_id == user.pk and not image.is_in_published_article


def can_change_image(user, image):
    return user.has_perm("articles.change_image") and (can_publish(user) or is_own_unused(user, image))


def can_delete_image(user, image):
    return user.has_perm("articles.delete_image") and (can_publish(user) or is_own_unused(user, image))


def can_take_down(user):
    """Take a published article off the site for legal reasons, and undo that."""
    return can_publish(user)


def publication_change_refusal(user, article, *, status, publish_at, priority, embargo_until):
    """Why `user` may not give `article` this status, publication time, front-page placement and embargo,
    or None if they may. Editors may; reporters never publish, schedule, embargo or unpublish, whatever they
    post, but may keep what an editor set. What counts is the article as stored, not as the form shows it."""
    if can_publish(user):
        return None
    saved = None
    if article.pk is not None:
        saved = (
            Article.objects.filter(pk=article.pk).values("status", "publish_at", "priority", "embargo_until").first()
        )
    if status == Article.Status.PUBLISHED and (not saved or saved["status"] != Article.Status.PUBLISHED):
        return "Only editors can publish. Set the status to “In review” to submit it."
    if saved is None:
        if publish_at or priority:
            return "Only editors can set the publication time or front-page placement."
        if embargo_until:
            return "Only editors can set an embargo."
        return None
    if saved["status"] == Article.Status.PUBLISHED and status != Article.Status.PUBLISHED:
        return "Only editors can unpublish an article."
    if not same_second(publish_at, saved["publish_at"]) or priority != saved["priority"]:
        return "Only editors can change the publication time or front-page placement."
    if not same_second(embargo_until, saved["embargo_until"]):
        return "Only editors can set, move or lift an embargo."
    return None


def same_second(posted, saved):
    """The admin's time input carries whole seconds; a stored time may not, and saving the form unchanged
    must not count as moving it."""
    if posted is None or saved is None:
        return posted is saved
    return posted.replace(microsecond=0) == saved.replace(microsecond=0)


def can_write_notes(user, article):
    """Add and resolve the editorial notes of an article: editors on any, reporters on those they may edit."""
    return user.has_perm("articles.add_editorialnote") and can_edit(user, article)


def can_assign(user):
    """Give an article to a colleague with a due time: editors only."""
    return can_publish(user) and user.has_perm("articles.change_assignment")


def is_on_the_story(user, article):
    """A reporter who created the article or is in its byline, published or not."""
    return article.created_by_id == user.pk or article.bylines.filter(author__user=user).exists()


def can_post_live_update(user, article):
    """Post on a live article: editors on any, reporters on those they are on (their updates wait for review)."""
    if not article.is_live_coverage or not user.has_perm("articles.add_liveupdate"):
        return False
    return can_publish(user) or is_on_the_story(user, article)


def can_publish_live_update(user):
    """An update reaches readers when an editor posts or publishes it."""
    return can_publish(user) and user.has_perm("articles.change_liveupdate")


def is_own_unpublished_update(user, update):
    return update.created_by_id == user.pk and update.status != update.Status.PUBLISHED


def can_correct_live_update(user, update):
    return user.has_perm("articles.change_liveupdate") and (
        can_publish(user) or is_own_unpublished_update(user, update)
    )


def can_delete_live_update(user, update):
    return user.has_perm("articles.delete_liveupdate") and (
        can_publish(user) or is_own_unpublished_update(user, update)
    )
