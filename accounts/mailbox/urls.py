from django.urls import path

from accounts.mailbox import views

app_name = "mailbox"

urlpatterns = [path("mailbox/", views.mailbox, name="mailbox")]
