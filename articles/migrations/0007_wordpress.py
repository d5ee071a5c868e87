"""What an import from WordPress remembers: each imported object's WordPress
id (a user name for authors), so that a second run finds what the first made,
and the old site's addresses, which answer with permanent redirects."""

import django.db.models.deletion
from django.db import migrations, models


def wordpress_id():
    return models.PositiveBigIntegerField(
        blank=True, editable=False, help_text="Its id on the WordPress site it came from.", null=True, unique=True
    )


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0006_headline_search"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(model_name="article", name="wordpress_id", field=wordpress_id()),
        migrations.AddField(model_name="image", name="wordpress_id", field=wordpress_id()),
        migrations.AddField(model_name="section", name="wordpress_id", field=wordpress_id()),
        migrations.AddField(
            model_name="author",
            name="wordpress_login",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The user name on the WordPress site this author was imported from.",
                max_length=60,
                null=True,
                unique=True,
            ),
        ),
        migrations.CreateModel(
            name="OldAddress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "path",
                    models.CharField(
                        help_text="Decoded, with its leading and trailing slash.", max_length=500, unique=True
                    ),
                ),
                (
                    "article",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="articles.article",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="articles.author",
                    ),
                ),
                (
                    "section",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="articles.section",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="taggit.tag",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "old addresses",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("article__isnull", False), ("author", None), ("section", None), ("tag", None)
                            ),
                            models.Q(
                                ("article", None), ("author", None), ("section__isnull", False), ("tag", None)
                            ),
                            models.Q(
                                ("article", None), ("author__isnull", False), ("section", None), ("tag", None)
                            ),
                            models.Q(
                                ("article", None), ("author", None), ("section", None), ("tag__isnull", False)
                            ),
                            _connector="OR",
                        ),
                        name="old_address_one_destination",
                    )
                ],
            },
        ),
    ]
