"""The reader's comment form."""

from django import forms
from django.core.validators import URLValidator
from django.utils import timezone

from comments.models import Comment
from comments.policy import takes_replies
from comments.tokens import issue_form_token

LARGEST_ID = 2**63 - 1


class CommentForm(forms.Form):
    """Comment*, Name*, Email*, Website, plus what the server needs to judge the post.

    `article` is the article the comment is for; the hidden `parent` names the
    approved comment it answers, if any. `phone` is a honeypot: it is hidden
    from people, so only software fills it in.
    """

    comment = forms.CharField(
        label="Comment",
        max_length=Comment._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 45}),
        error_messages={"required": "Please write your comment."},
    )
    name = forms.CharField(
        label="Name",
        max_length=Comment._meta.get_field("author_name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Please give a name to show with your comment."},
    )
    email = forms.EmailField(
        label="Email",
        max_length=Comment._meta.get_field("author_email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Please give your email address; it is never published.",
            "invalid": "Please give a valid email address, such as name@example.com.",
        },
    )
    website = forms.URLField(
        label="Website",
        required=False,
        max_length=Comment._meta.get_field("author_url").max_length,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
        error_messages={"invalid": "Please give a full web address, such as https://example.com/."},
    )
    phone = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    article = forms.IntegerField(widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, min_value=1, max_value=LARGEST_ID, widget=forms.HiddenInput)
    token = forms.CharField(
        max_length=500,
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form could not be verified. Please check your comment and send it again.",
            "max_length": "This form could not be verified. Please check your comment and send it again.",
        },
    )

    def __init__(self, *args, article, parent=None, settings, **kwargs):
        kwargs.setdefault("auto_id", "comment-form-%s")
        super().__init__(*args, **kwargs)
        self.target_article = article
        self.settings = settings
        self.initial.update({"article": article.pk, "parent": parent.pk if parent else None})
        self.initial["token"] = issue_form_token(article.pk, timezone.now())

    def send_back(self):
        """Ready the form to go back to the reader: what they typed, and a token issued now."""
        self.data = self.data.copy()
        self.data["token"] = self.initial["token"]
        return self

    def general_errors(self):
        """Errors about the form rather than a field the reader filled in: shown above the form."""
        hidden = [error for field in self.hidden_fields() for error in field.errors]
        return [*self.non_field_errors(), *hidden]

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_email(self):
        # Stored in lower case so that one person's comments are found by one exact lookup.
        return self.cleaned_data["email"].lower()

    def clean_parent(self):
        parent_id = self.cleaned_data["parent"]
        if parent_id is None:
            return None
        parent = Comment.objects.approved().filter(article=self.target_article, pk=parent_id).first()
        if parent is None:
            raise forms.ValidationError("You can only reply to a published comment on this article.")
        if not takes_replies(parent, self.settings):
            raise forms.ValidationError("This conversation cannot nest any deeper; reply to an earlier comment.")
        return parent

    def unsaved_comment(self, *, ip_address, user_agent):
        data = self.cleaned_data
        return Comment(
            article=self.target_article,
            parent=data["parent"],
            author_name=data["name"],
            author_email=data["email"],
            author_url=data["website"],
            text=data["comment"].strip(),
            ip_address=ip_address,
            user_agent=user_agent[: Comment._meta.get_field("user_agent").max_length],
        )
