"""Images belong to themselves.

- Who uploaded each image, so that reporters change and delete only their
  own (images uploaded before this migration have no uploader: only editors
  change them).
- Reporters get the permission to delete images, narrowed by the admin to
  their own that no published article shows; the roles are applied again.
- Renditions move from names derived from the upload's name, which two
  images could share (then each upload overwrote the other's renditions),
  to the image's own folder, renditions/<pk>/<spec>-<hash>.<ext>. They are
  generated again from each original rather than moved, because a file at
  a shared old name may hold another image's picture. An old file that an
  article body links to is kept, so no page loses a picture; the others are
  deleted once the migration has committed.

Reversing keeps the new renditions: the code before this migration reads
rendition names from the row, so it serves them as they are.
"""

import logging
import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from articles import images
from newsroom.roles import sync_roles

logger = logging.getLogger(__name__)

RENDITION_REFERENCE = re.compile(r"renditions/[^\"'\s?#<>]+")


def apply_roles(apps, schema_editor):
    sync_roles(apps)


def renditions_linked_from_bodies(Article):
    return {
        name
        for body in Article.objects.filter(body__contains="renditions/").values_list("body", flat=True).iterator()
        for name in RENDITION_REFERENCE.findall(body)
    }


def move_renditions_into_their_images_folders(apps, schema_editor):
    Image = apps.get_model("articles", "Image")
    linked = renditions_linked_from_bodies(apps.get_model("articles", "Article"))
    for image in Image.objects.order_by("pk").iterator():
        old = images.rendition_files(image.renditions)
        if all(name.startswith(images.rendition_folder(image)) for name in old):
            continue
        try:
            images.generate_renditions(image, keep=linked)
        except OSError as error:
            logger.warning(
                "Image %s keeps its old renditions: its file %s cannot be read (%s)", image.pk, image.file, error
            )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_indexes_at_scale"),
        ("newsroom", "0002_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="uploaded_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(apply_roles, migrations.RunPython.noop),
        migrations.RunPython(move_renditions_into_their_images_folders, migrations.RunPython.noop),
    ]
