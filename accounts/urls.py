"""End-user URLs (the interface contract of DESIGN §5)."""

from django.urls import path

from accounts.views import account, login, password, signup

app_name = "accounts"

urlpatterns = [
    path("", account.home, name="home"),
    path("signup/", signup.signup, name="signup"),
    path("confirm/", signup.confirm, name="confirm"),
    path("confirm/resend/", signup.resend, name="resend"),
    path("login/", login.login_view, name="login"),
    path("login/new-password/", login.new_password, name="new_password"),
    path("login/mfa-setup/", login.mfa_setup, name="mfa_setup"),
    path("login/mfa/", login.mfa, name="mfa"),
    path("logout/", login.logout_view, name="logout"),
    path("devices/", account.devices_view, name="devices"),
    path("password/reset/", password.password_reset, name="password_reset"),
    path("password/reset/confirm/", password.password_reset_confirm, name="password_reset_confirm"),
    path("password/change/", account.password_change, name="password_change"),
]
