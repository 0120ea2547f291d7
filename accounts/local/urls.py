from django.urls import path

from accounts.local import views

app_name = "local"

urlpatterns = [path("mailbox/", views.mailbox, name="mailbox")]
