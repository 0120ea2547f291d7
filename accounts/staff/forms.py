"""Forms of the staff pages: the user search, action confirmations and the invitation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from accounts.cognito.filters import SEARCH_ATTRIBUTES, USER_STATUSES
from accounts.cognito.idp import MAX_PAGE_SIZE
from accounts.staff.actions import ActionSpec

DEFAULT_PAGE_SIZE = 50

ATTRIBUTE_LABELS = {
    "username": _("Username"),
    "email": _("Email"),
    "phone_number": _("Phone number"),
    "name": _("Name"),
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "preferred_username": _("Preferred username"),
    "sub": _("Sub (exact)"),
}


class UserSearchForm(forms.Form):
    """The user list's query string (DESIGN §5: q, attr, status, enabled, group, page_token, page_size)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)
    attr = forms.ChoiceField(
        label=_("in"),
        required=False,
        choices=[(name, ATTRIBUTE_LABELS.get(name, name)) for name in SEARCH_ATTRIBUTES],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + [(s, s) for s in USER_STATUSES]
    )
    enabled = forms.ChoiceField(
        label=_("Enabled"),
        required=False,
        choices=[("", _("All")), ("true", _("Enabled")), ("false", _("Disabled"))],
    )
    group = forms.CharField(label=_("Group"), required=False, max_length=128)
    page_size = forms.IntegerField(
        label=_("Per page"),
        required=False,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PAGE_SIZE)],
    )
    page_token = forms.CharField(required=False, max_length=20000)

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            # Status names are case-insensitive in Cognito; accept them as typed.
            if data.get("status"):
                data["status"] = data["status"].strip().upper()
            if data.get("enabled"):
                data["enabled"] = data["enabled"].strip().lower()
        super().__init__(data, *args, **kwargs)


class ActionForm(forms.Form):
    """The confirmation of one action: an optional reason, plus the action's parameter if it has one."""

    reason = forms.CharField(
        label=_("Reason (optional, kept in the audit log)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(
        self, *args: Any, spec: ActionSpec, username: str, groups: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.username = username
        if spec.parameter == "group":
            if groups:
                self.fields["group"] = forms.ChoiceField(
                    label=_("Group"), choices=[("", "---------")] + [(g, g) for g in groups]
                )
            else:
                self.fields["group"] = forms.CharField(label=_("Group"), max_length=128)
        elif spec.parameter == "device_key":
            self.fields["device_key"] = forms.CharField(
                label=_("Device key"), max_length=128, widget=forms.HiddenInput
            )
        if spec.name == "delete":
            self.fields["confirm_username"] = forms.CharField(
                label=_("Type the username to confirm"), max_length=256, strip=False
            )

    def clean_confirm_username(self) -> str:
        value = self.cleaned_data["confirm_username"]
        if value != self.username:
            raise forms.ValidationError(
                _("This does not match the username. Type “%(username)s” exactly to delete the user."),
                params={"username": self.username},
                code="mismatch",
            )
        return value

    def parameters(self) -> dict[str, str]:
        return {self.spec.parameter: self.cleaned_data[self.spec.parameter]} if self.spec.parameter else {}


class BulkActionForm(forms.Form):
    """The reason field on the bulk-action confirmation page."""

    reason = forms.CharField(
        label=_("Reason (optional, kept in the audit log)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class InviteForm(forms.Form):
    """AdminCreateUser: Cognito emails the new user a temporary password."""

    username = forms.CharField(
        label=_("Username"),
        max_length=128,
        help_text=_("Letters, digits and symbols, no spaces. The user signs in with it."),
    )
    email = forms.EmailField(label=_("Email address"), max_length=254)
    reason = forms.CharField(
        label=_("Reason (optional, kept in the audit log)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if any(ch.isspace() for ch in username) or "/" in username:
            raise forms.ValidationError(
                _("A username cannot contain spaces or slashes. Choose another one."), code="invalid"
            )
        return username
