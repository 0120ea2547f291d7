"""One stage per Cognito challenge that needs a page, in a registry keyed by challenge name (DESIGN §9).

A stage knows its challenge, URL, form, template and how the form becomes ChallengeResponses; the one
generic view (``accounts.views.signin.stage_view``) loads the pending sign-in, asks the stage, and renders.
Model: django-allauth's ``LoginStage`` / ``login_stage_required``.

Adding a code-type challenge (EMAIL_OTP, SMS_MFA) is one ``CodeStage`` subclass (in this module, or in
one imported before ``accounts/urls.py`` builds its URLs) plus a template::

    @register
    class EmailOtpStage(CodeStage):
        challenge = "EMAIL_OTP"
        path = "login/email-code/"
        url_name = "email_code"
        template = "accounts/email_code.html"
        response_key = "EMAIL_OTP_CODE"
        wrong_code_message = gettext_lazy("That code is not correct. Check the email we sent you.")
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import totp
from accounts.cognito import errors, pool_description
from accounts.cognito.types import Challenge
from accounts.forms import MfaSetupForm, NewPasswordForm, TotpForm
from accounts.password_rules import current_policy, password_rules
from accounts.signin import state
from accounts.signin.state import PendingSignIn
from accounts.signin.steps import Kind, Step

if TYPE_CHECKING:
    from accounts.signin.flow import SignInFlow

# A TOTP code that worked is refused for this long (Cognito accepts codes ±30 s; a replay must not).
USED_CODE_SECONDS = 120

STAGES: dict[str, type[Stage]] = {}


def register(stage: type[Stage]) -> type[Stage]:
    """Class decorator: make ``stage`` the page of its ``challenge`` (its URL is added automatically)."""
    STAGES[stage.challenge] = stage
    return stage


def stage_url(challenge: str) -> str:
    return reverse(f"accounts:{STAGES[challenge].url_name}")


def remember_offered() -> bool:
    """Whether to show "Remember this browser" (the pool tracks devices; assume so if Cognito is away)."""
    try:
        return pool_description().device_tracking
    except errors.CognitoError:
        return True


class Stage:
    """The page of one Cognito challenge. Subclasses set the class attributes and ``responses``.

    ``answer`` returns a ``Step`` for the view, or raises ``errors.CognitoError`` for trouble the view
    explains on the page (Cognito unavailable …). ``prepare`` runs before both GET and POST.
    """

    challenge: ClassVar[str]
    path: ClassVar[str]  # under /accounts/
    url_name: ClassVar[str]
    template: ClassVar[str]
    form_class: ClassVar[type[forms.Form]]
    rate_limit_action: ClassVar[str | None] = None
    sensitive_fields: ClassVar[tuple[str, ...]] = ()
    success_note: ClassVar[Any] = ""  # a sentence added to the signed-in message

    def __init__(self, flow: SignInFlow, pending: PendingSignIn) -> None:
        self.flow = flow
        self.pending = pending

    @classmethod
    def accepts(cls, challenge: Challenge) -> bool:
        """False when this challenge asks for something the portal cannot collect (→ unsupported)."""
        return True

    def form(self, data: Any = None) -> forms.Form:
        return self.form_class(data)

    def prepare(self) -> None:
        """Work needed before the page can be shown (e.g. a new TOTP key); may raise CognitoError."""

    def context(self, form: forms.Form) -> dict[str, Any]:
        """The page's context; ``expires_at`` (epoch seconds), ``seconds_left`` and ``minutes_left`` (rounded
        up) say how long the pending sign-in lasts (the app client's AuthSessionValidity)."""
        seconds_left = self.pending.seconds_left
        return {
            "form": form,
            "username": self.pending.typed_name or self.pending.username,
            "expires_at": int(self.pending.expires_at),
            "seconds_left": seconds_left,
            "minutes_left": -(-seconds_left // 60),
            # Which sign-in this page is for (state.page_tag): posted back in a hidden field.
            "signin_tag": state.page_tag(self.pending),
            "signin_tag_field": state.PAGE_TAG_FIELD,
        }

    def replaced(self, posted_tag: str) -> str:
        """'' when a posted form may be answered for the sign-in pending now, else what to say instead.

        The pending sign-in lives in the session, shared by every tab: a newer sign-in in another tab
        replaces it. A form rendered for an earlier sign-in of the same account is answered (a code from
        the same authenticator, a new password for the same account, is still right); one rendered for
        another account's sign-in never is, and nothing is sent to Cognito.
        """
        if state.match_page(self.pending, posted_tag) is not state.PageMatch.OTHER:
            return ""
        return _(
            "This page belonged to an earlier sign-in, replaced by a newer one as %(name)s (in another tab "
            "or window). Nothing was sent. Continue below only if that is the account you want."
        ) % {"name": self.pending.typed_name or self.pending.username}

    def responses(self, form: forms.Form) -> dict[str, str]:
        raise NotImplementedError

    def answer(self, form: forms.Form) -> Step:
        remember = bool(form.cleaned_data.get("remember_device"))
        try:
            step = self.flow.respond(self.pending, self.responses(form), remember=remember)
        except errors.NotAuthorized:
            # Cognito ends a challenge session after too many wrong answers or when it expires.
            return self.flow.restart()
        if self.success_note and step.kind in (Kind.SIGNED_IN, Kind.STAGE):
            self.flow.notes.append(str(self.success_note))
        return step


class CodeStage(Stage):
    """A challenge answered with a one-time code (authenticator app, email, SMS)."""

    form_class = TotpForm
    rate_limit_action = "mfa"
    sensitive_fields = ("code",)
    response_key: ClassVar[str]
    # What the person is told; an emailed or texted code says so in its own subclass.
    wrong_code_message: ClassVar[Any] = gettext_lazy(
        "That code is not correct. Check your authenticator app and try again."
    )
    used_code_message: ClassVar[Any] = gettext_lazy("That code has just been used. Wait for the next one.")
    expired_code_message: ClassVar[Any] = gettext_lazy(
        "That code has expired or was used already. Wait for the next one."
    )

    def context(self, form: forms.Form) -> dict[str, Any]:
        return {**super().context(form), "remember_offered": remember_offered()}

    def responses(self, form: forms.Form) -> dict[str, str]:
        return {self.response_key: form.cleaned_data["code"]}

    def _used_key(self, code: str) -> str:
        digest = hashlib.sha256(f"{self.pending.username.casefold()}\x00{code}".encode()).hexdigest()[:32]
        return f"totp-used:{digest}"

    def answer(self, form: forms.Form) -> Step:
        code = form.cleaned_data["code"]
        if not state.first_use(self._used_key(code), USED_CODE_SECONDS):
            return self.flow.wrong_code(self.pending, str(self.used_code_message))
        try:
            return super().answer(form)
        except errors.ExpiredCode:
            return self.flow.wrong_code(self.pending, str(self.expired_code_message))
        except (errors.CodeMismatch, errors.InvalidParameter):
            return self.flow.wrong_code(self.pending, str(self.wrong_code_message))


@register
class SoftwareTokenMfaStage(CodeStage):
    """SOFTWARE_TOKEN_MFA: the 6-digit code from the authenticator app, with "remember this browser"."""

    challenge = "SOFTWARE_TOKEN_MFA"
    path = "login/mfa/"
    url_name = "mfa"
    template = "accounts/mfa.html"
    response_key = "SOFTWARE_TOKEN_MFA_CODE"


@register
class NewPasswordStage(Stage):
    """NEW_PASSWORD_REQUIRED: the person chooses their own password after an invitation."""

    challenge = "NEW_PASSWORD_REQUIRED"
    path = "login/new-password/"
    url_name = "new_password"
    template = "accounts/new_password.html"
    form_class = NewPasswordForm
    sensitive_fields = ("new_password1", "new_password2")
    success_note = gettext_lazy("Your new password is saved.")

    @classmethod
    def accepts(cls, challenge: Challenge) -> bool:
        # The pool wants profile attributes this site does not collect: stop before anything changes.
        return not challenge.json_parameter("requiredAttributes")

    def form(self, data: Any = None) -> forms.Form:
        return NewPasswordForm(data, policy=current_policy())

    def context(self, form: forms.Form) -> dict[str, Any]:
        return {**super().context(form), "password_rules": password_rules(current_policy())}

    def responses(self, form: forms.Form) -> dict[str, str]:
        return {"NEW_PASSWORD": form.cleaned_data["new_password1"]}

    def answer(self, form: forms.Form) -> Step:
        try:
            return super().answer(form)
        except errors.InvalidPassword as exc:
            return Step(Kind.INVALID_INPUT, message=exc.user_message, field="new_password1")
        except errors.InvalidParameter:
            return Step(
                Kind.INVALID_INPUT,
                message=_("This password can't be used. Choose another one."),
                field="new_password1",
            )


@register
class MfaSetupStage(CodeStage):
    """MFA_SETUP: AssociateSoftwareToken → QR code and key → ONE code → VerifySoftwareToken → answer."""

    challenge = "MFA_SETUP"
    path = "login/mfa-setup/"
    url_name = "mfa_setup"
    template = "accounts/mfa_setup.html"
    form_class = MfaSetupForm
    success_note = gettext_lazy("Your authenticator app is set up.")

    @classmethod
    def accepts(cls, challenge: Challenge) -> bool:
        offered = challenge.mfas_can_setup
        return not offered or "SOFTWARE_TOKEN_MFA" in offered

    def prepare(self) -> None:
        """The new authenticator key for this sign-in (asks Cognito once per pending sign-in)."""
        pending = self.pending
        if not pending.totp_secret:
            setup = self.flow.idp.associate_software_token(session=pending.session)
            # The key waits in the server-side session, sealed (never in a hidden field, never logged),
            # until the code is verified, so a mistyped code re-renders the same QR code: calling
            # AssociateSoftwareToken again would replace the key the user has just scanned.
            pending.totp_session = setup.session or pending.session
            pending.totp_secret = setup.secret_code
            state.save_pending(self.flow.request.session, pending)

    def context(self, form: forms.Form) -> dict[str, Any]:
        secret = self.pending.totp_secret
        account = self.pending.typed_name or self.pending.username
        return {
            **super().context(form),
            "secret": totp.grouped(secret),
            # Our own markup, drawn locally from the key: nothing user-controlled goes in unescaped.
            "qr_svg": mark_safe(totp.qr_svg(totp.otpauth_uri(secret, account, settings.PORTAL_SITE_NAME))),  # noqa: S308
            "site_name": settings.PORTAL_SITE_NAME,
            "key_on_page": True,
        }

    def replaced(self, posted_tag: str) -> str:
        """Any other sign-in's set-up page showed another key: a code from it can only be "not correct",
        so say the key was replaced (nothing is sent to Cognito) and show the current one."""
        match = state.match_page(self.pending, posted_tag)
        if match in (state.PageMatch.CURRENT, state.PageMatch.UNTAGGED):
            return ""
        if match is state.PageMatch.SAME_ACCOUNT:
            return _(
                "This page's key was replaced by a newer sign-in (in another tab or window). Delete the "
                "authenticator entry you just added and scan the key below."
            )
        return _(
            "This page's key was replaced by a newer sign-in as %(name)s (in another tab or window). "
            "Delete the authenticator entry you just added. Nothing was sent: scan the key below only if "
            "%(name)s is the account you want."
        ) % {"name": self.pending.typed_name or self.pending.username}

    def answer(self, form: forms.Form) -> Step:
        pending = self.pending
        code = form.cleaned_data["code"]
        if not pending.totp_session:
            return Step(Kind.STAGE, url=stage_url("MFA_SETUP"), challenge="MFA_SETUP")
        try:
            verified = self.flow.idp.verify_software_token(
                code, session=pending.totp_session, friendly_name=settings.PORTAL_SITE_NAME[:60]
            )
            if not verified.ok:
                raise errors.CodeMismatch("Status ERROR", code="CodeMismatchException")
        except (errors.CodeMismatch, errors.ExpiredCode, errors.InvalidParameter):
            return self.flow.wrong_code(pending, str(self.wrong_code_message))
        except errors.NotAuthorized:
            return self.flow.restart()
        state.first_use(self._used_key(code), USED_CODE_SECONDS)
        pending.totp_secret = ""
        state.save_pending(self.flow.request.session, pending)
        pending.session = verified.session or ""
        try:
            step = self.flow.respond(pending, {}, remember=bool(form.cleaned_data.get("remember_device")))
        except errors.NotAuthorized:
            return self.flow.restart(
                _("Your authenticator app is set up, but the sign-in expired. Sign in again with a code.")
            )
        if step.kind in (Kind.SIGNED_IN, Kind.STAGE):
            self.flow.notes.insert(0, str(self.success_note))
        return step
