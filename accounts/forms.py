"""End-user forms. Field names are the interface contract (DESIGN §5); passwords are taken exactly as typed.

New passwords are checked with ``accounts.password_rules`` (the pool's policy, shown before submit and
checked without a round trip, and guessability); Cognito still has the last word and its answers are
turned into field errors by the views.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.cognito.descriptions import PasswordPolicy
from accounts.identity import username_problem
from accounts.password_rules import new_password_problems

USERNAME_MAX = 128
PASSWORD_MAX = 256  # Cognito's own limit; longer passwords are refused there anyway


def password_field(label: str, *, autocomplete: str = "new-password", help_text: str = "") -> forms.CharField:
    # strip=False: a password is used exactly as typed, spaces included (ASVS 6.2.8).
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def username_field(**attrs: str) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Username"),
        max_length=USERNAME_MAX,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false", **attrs}
        ),
    )


def clean_username_value(value: str) -> str:
    """A typed sign-in name: blanks at the edges dropped; inner blanks and control characters refused."""
    value = value.strip()
    if any(c.isspace() for c in value) or any(ord(c) < 32 for c in value):
        raise forms.ValidationError(_("A username cannot contain spaces."))
    return value


class UsernameMixin:
    def clean_username(self) -> str:
        return clean_username_value(self.cleaned_data["username"])  # type: ignore[attr-defined]


class NewPasswordMixin:
    """Two password fields that must match, follow the pool's rules and not be easy to guess."""

    first = "password1"
    second = "password2"
    policy: PasswordPolicy | None = None

    def person_names(self, cleaned: dict) -> dict[str, str]:
        """The names the password must not resemble (username, email …); forms add theirs."""
        return {}

    def clean_passwords(self, cleaned: dict) -> None:
        first, second = cleaned.get(self.first), cleaned.get(self.second)
        if first:
            for problem in new_password_problems(first, self.policy, **self.person_names(cleaned)):
                self.add_error(self.first, problem)  # type: ignore[attr-defined]
        if first and second and first != second:
            self.add_error(self.second, _("The two passwords do not match."))  # type: ignore[attr-defined]

    @property
    def passwords_cleared(self) -> bool:
        """True when the page re-renders after an error: password fields come back empty, say why."""
        return bool(self.is_bound and self.errors)  # type: ignore[attr-defined]


class SignUpForm(NewPasswordMixin, forms.Form):
    """Sign-up, shaped by the pool (DESIGN §8): in email-as-username pools there is no username field
    (the email is the sign-in name); elsewhere a username, checked by ``identity.username_problem``."""

    # Not stripped: a username with blanks at its edges is refused with the reason, never silently changed.
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=USERNAME_MAX,
        strip=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": "autofocus",
            }
        ),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        help_text=gettext_lazy("We send a confirmation code to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = password_field(gettext_lazy("Password"))
    password2 = password_field(gettext_lazy("Password again"))

    def __init__(
        self,
        *args,
        policy: PasswordPolicy | None = None,
        email_is_username: bool = False,
        email_is_alias: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.email_is_username = email_is_username
        self.email_is_alias = email_is_alias
        if email_is_username:
            del self.fields["username"]
            self.fields["email"].widget.attrs.update({"autofocus": "autofocus", "autocomplete": "username"})
            self.fields["email"].help_text = _("You sign in with it. We send a confirmation code to it.")
        else:
            self.fields["username"].help_text = _(
                "Letters, numbers and symbols; no spaces. You sign in with it."
            )

    def clean_username(self) -> str:
        value = self.cleaned_data["username"]
        problem = username_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        if self.email_is_alias and "@" in value:
            # Cognito refuses an email-shaped username where the email is an alias.
            raise forms.ValidationError(
                _(
                    "Choose a username that is not an email address: give your email below, and you "
                    "can sign in with either."
                )
            )
        return value

    def person_names(self, cleaned: dict) -> dict[str, str]:
        return {"username": cleaned.get("username", ""), "email": cleaned.get("email", "")}

    @property
    def sign_in_name(self) -> str:
        """The Username to send to SignUp: the email in email-as-username pools."""
        return self.cleaned_data["email"] if self.email_is_username else self.cleaned_data["username"]

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_passwords(cleaned)
        return cleaned


class CodeField(forms.CharField):
    """A numeric code typed by a person: spaces and dashes are ignored."""

    def __init__(self, *, digits: int | None = 6, **kwargs) -> None:
        self.digits = digits
        kwargs.setdefault("label", gettext_lazy("Code"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": "autofocus"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = re.sub(r"[\s-]", "", super().clean(value) or "")
        if self.digits and not re.fullmatch(rf"\d{{{self.digits}}}", value):
            raise forms.ValidationError(_("Enter the %(count)d-digit code.") % {"count": self.digits})
        if not self.digits and not re.fullmatch(r"[0-9A-Za-z]{4,20}", value):
            raise forms.ValidationError(_("Enter the code from the email, as it is written there."))
        return value


class LabelledUsernameMixin(UsernameMixin):
    """``label`` names the sign-in field for the pool ("Email address" in email-as-username pools)."""

    def __init__(self, *args, label: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["username"].label = label  # type: ignore[attr-defined]


class ConfirmForm(LabelledUsernameMixin, forms.Form):
    """The confirm page's one form: "Confirm" posts ``username`` and ``code`` to ``confirm/``; "Send a new
    code" is a second submit button posting the same fields to ``confirm/resend/`` (DESIGN §5).

    ``resending=True`` (the resend view): only the name is checked; whatever was typed as the code is
    kept for the page, unchecked. ``name_required`` is the message for a missing name.
    """

    username = username_field()
    code = CodeField(digits=None, help_text=gettext_lazy("The code from the email we sent you."))

    def __init__(self, *args, resending: bool = False, name_required: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if name_required:
            self.fields["username"].error_messages["required"] = name_required
        if resending:
            code = self.fields["code"]
            self.fields["code"] = forms.CharField(
                label=code.label, help_text=code.help_text, required=False, widget=code.widget
            )


class LoginForm(LabelledUsernameMixin, forms.Form):
    """The password step. ``label`` names the sign-in field for the pool ("Username or email address"…)."""

    username = username_field(autofocus="autofocus")
    password = password_field(gettext_lazy("Password"), autocomplete="current-password")
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    ERROR_ID = "sign-in-error"  # the id of the page's alert (templates/accounts/login.html)

    def refuse(self, message: str) -> None:
        """The name and password were refused together ("Incorrect username or password"): the message
        goes above the form, and both fields are marked invalid and described by it for screen readers.

        The page then focuses the message, not the username (see login.html): the name is kept and the
        password cleared, so the person hears what went wrong before retyping.
        """
        self.add_error(None, message)
        for name in ("username", "password"):
            attrs = self.fields[name].widget.attrs
            attrs.pop("autofocus", None)
            attrs.update({"aria-invalid": "true", "aria-describedby": self.ERROR_ID})


class NewPasswordForm(NewPasswordMixin, forms.Form):
    """A new password twice; ``names`` are the person's names it must not resemble."""

    first, second = "new_password1", "new_password2"
    new_password1 = password_field(gettext_lazy("New password"))
    new_password2 = password_field(gettext_lazy("New password again"))

    def __init__(
        self, *args, policy: PasswordPolicy | None = None, names: dict[str, str] | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.names = names or {}

    def person_names(self, cleaned: dict) -> dict[str, str]:
        return {**self.names, **({"username": cleaned["username"]} if cleaned.get("username") else {})}

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_passwords(cleaned)
        return cleaned


REMEMBER_LABEL = gettext_lazy("Remember this browser: next time, sign in with your password only")


class MfaSetupForm(forms.Form):
    code = CodeField(help_text=gettext_lazy("The 6-digit code your authenticator app shows now."))
    remember_device = forms.BooleanField(required=False, label=REMEMBER_LABEL)


class TotpForm(forms.Form):
    code = CodeField(help_text=gettext_lazy("The 6-digit code from your authenticator app."))
    remember_device = forms.BooleanField(required=False, label=REMEMBER_LABEL)


class PasswordResetForm(LabelledUsernameMixin, forms.Form):
    username = username_field(autofocus="autofocus")


class PasswordResetConfirmForm(LabelledUsernameMixin, NewPasswordForm):
    username = username_field()
    code = CodeField(digits=None, help_text=gettext_lazy("The code from the password-reset email."))
    field_order = ["username", "code", "new_password1", "new_password2"]


class PasswordChangeForm(NewPasswordForm):
    old_password = password_field(gettext_lazy("Current password"), autocomplete="current-password")
    field_order = ["old_password", "new_password1", "new_password2"]


class ForgetDeviceForm(forms.Form):
    device_key = forms.CharField(required=False, max_length=64)
    all = forms.BooleanField(required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("all") and not cleaned.get("device_key"):
            raise forms.ValidationError(_("Choose a device to forget."))
        return cleaned
