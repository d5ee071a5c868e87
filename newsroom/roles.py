"""The staff roles and what each may do. Applied by a data migration.

The newsroom has one senior role: editors run the desk and, as editors in chief do, may also work the
comment queue."""

ROLE_PERMISSIONS = {
    "Editors": {
        "articles": [
            "article",
            "section",
            "author",
            "image",
            "byline",
            "correction",
            "formerslug",
            "adslot",
            "editorialnote",
            "assignment",
            "liveupdate",
        ],
        "taggit": ["tag", "taggeditem"],
        "newsroom": ["sitesettings", "sociallink", "footerlink"],
        "reversion": ["revision", "version"],
        "comments": ["comment", "blockedsender"],
        "extra": [("articles", "publish_article"), ("comments", "moderate_comment")],
    },
    "Reporters": {
        "articles": {
            "article": ["add", "change", "view", "delete"],
            "byline": ["add", "change", "view", "delete"],
            # Change and delete only their own images that no published article shows (articles/permissions.py).
            "image": ["add", "change", "view", "delete"],
            "section": ["view"],
            "author": ["view"],
            "correction": ["view"],
            # Only on articles they may edit (articles/permissions.py).
            "editorialnote": ["add", "change", "view"],
            "assignment": ["view"],
            # Held for review, and theirs to correct or delete until published (articles/permissions.py).
            "liveupdate": ["add", "change", "view", "delete"],
        },
        "taggit": {"tag": ["view"]},
    },
    "Moderators": {
        "comments": ["comment", "blockedsender"],
        "extra": [("comments", "moderate_comment")],
    },
}

ALL_ACTIONS = ["add", "change", "delete", "view"]


def permission_keys(role):
    """(app_label, codename) pairs for a role."""
    keys = []
    for app_label, models in ROLE_PERMISSIONS[role].items():
        if app_label == "extra":
            keys.extend(models)
            continue
        if isinstance(models, list):
            models = dict.fromkeys(models, ALL_ACTIONS)
        for model, actions in models.items():
            keys.extend((app_label, f"{action}_{model}") for action in actions)
    return keys


def sync_roles(apps):
    """Create the groups and give each exactly its permissions."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # A migration's historical app configs have no models module, which create_permissions wants;
        # the project's own registry (tests call this too) must keep the one it has, or the post_migrate
        # signal would skip the app from then on.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    models = {(model._meta.app_label, model._meta.model_name) for model in apps.get_models()}
    for role in ROLE_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, codename in permission_keys(role):
            _action, model_name = codename.split("_", 1)
            if (app_label, model_name) not in models:
                # Not (yet) in this state of the migration history: the migration that creates or
                # moves the model applies the roles again.
                continue
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
