from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("comments/post/", views.post_comment, name="post"),
    path("comments/reply/<int:comment_id>/", views.reply_page, name="reply"),
]
