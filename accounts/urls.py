"""End-user URLs (the interface contract of DESIGN §5)."""

from django.urls import path

from accounts.signin.stages import STAGES
from accounts.views import account, password, signin, signup

app_name = "accounts"

urlpatterns = [
    path("", account.home, name="home"),
    path("signup/", signup.signup, name="signup"),
    path("confirm/", signup.confirm, name="confirm"),
    path("confirm/resend/", signup.resend, name="resend"),
    path("login/", signin.sign_in_view, name="sign_in"),
    # One page per registered challenge stage (accounts.signin.stages): login/new-password/,
    # login/mfa-setup/, login/mfa/ …, all served by the one generic stage view.
    *(
        path(stage.path, signin.stage_view, {"challenge": challenge}, name=stage.url_name)
        for challenge, stage in STAGES.items()
    ),
    path("logout/", signin.sign_out_view, name="sign_out"),
    path("devices/", account.devices_view, name="devices"),
    path("password/reset/", password.password_reset, name="password_reset"),
    path("password/reset/confirm/", password.password_reset_confirm, name="password_reset_confirm"),
    path("password/change/", account.password_change, name="password_change"),
]
