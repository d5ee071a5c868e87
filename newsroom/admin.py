from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from newsroom.admin_hardening import HardenedModelAdmin, HardenedTabularInline
from newsroom.login_throttle import ThrottledAdminAuthenticationForm
from newsroom.models import FooterLink, SiteSettings, SocialLink

admin.site.login_form = ThrottledAdminAuthenticationForm


# Django's own account admins, registered again on the hardened base.
class HardenedUserAdmin(HardenedModelAdmin, UserAdmin):
    pass


class HardenedGroupAdmin(HardenedModelAdmin, GroupAdmin):
    pass


admin.site.unregister([User, Group])
admin.site.register(User, HardenedUserAdmin)
admin.site.register(Group, HardenedGroupAdmin)


class SocialLinkInline(HardenedTabularInline):
    model = SocialLink
    extra = 0
    fields = ["network", "url", "position"]


class FooterLinkInline(HardenedTabularInline):
    model = FooterLink
    extra = 0
    fields = ["label", "url", "position"]


@admin.register(SiteSettings)
class SiteSettingsAdmin(HardenedModelAdmin):
    """A single row: the list page goes straight to its form."""

    inlines = [SocialLinkInline, FooterLinkInline]
    fieldsets = [
        ("Masthead and footer", {"fields": ["name", "tagline", "logo", "default_share_image", "footer_text"]}),
        ("Advertising", {"fields": ["paragraphs_between_ads"]}),
        (
            "Comment moderation",
            {
                "fields": [
                    "hold_all_comments",
                    "auto_approve_known_commenters",
                    "close_comments_after_days",
                    "hold_links_threshold",
                    "moderation_words",
                    "blocked_words",
                    "comments_per_hour_per_ip",
                    "comments_per_hour_per_email",
                    "minimum_seconds_to_comment",
                    "thread_depth",
                    "comments_per_page",
                    "notify_moderators",
                ]
            },
        ),
    ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        SiteSettings.current()
        return redirect(reverse("admin:newsroom_sitesettings_change", args=[1]))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
