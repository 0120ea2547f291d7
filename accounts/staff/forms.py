"""Forms of the staff pages: the user search, the action confirmations and the invitation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from accounts.cognito.filters import SEARCH_ATTRIBUTES, USER_STATUSES
from accounts.cognito.idp import MAX_PAGE_SIZE
from accounts.forms import NewPasswordMixin, password_field
from accounts.identity import username_problem
from accounts.password_rules import current_policy, password_rules
from accounts.staff.merged import MERGED_ATTRIBUTE
from accounts.staff.query import DEFAULT_PAGE_SIZE, email_is_username
from accounts.staff.registry import StaffAction

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "ActionForm",
    "BulkActionForm",
    "GroupDeleteForm",
    "GroupForm",
    "InviteForm",
    "UserSearchForm",
]

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


def _reason_field(*, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=_("Reason (kept in the audit log)")
        if required
        else _("Reason (optional, kept in the audit log)"),
        required=required,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class UserSearchForm(forms.Form):
    """The user list's query string (DESIGN §5: q, attr, status, enabled, group, page_token, page_size)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)
    attr = forms.ChoiceField(
        label=_("in"),
        required=False,
        choices=[(MERGED_ATTRIBUTE, _("Username or email"))]
        + [(name, ATTRIBUTE_LABELS.get(name, name)) for name in SEARCH_ATTRIBUTES],
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
        if email_is_username():
            # The username is a generated id here: "username or email" would only ever find by email.
            field = self.fields["attr"]
            field.choices = [choice for choice in field.choices if choice[0] != MERGED_ATTRIBUTE]


def _parameter_field(action: StaffAction, groups: list[str] | None) -> forms.Field | None:
    if action.parameter == "group":
        if groups:
            return forms.ChoiceField(label=_("Group"), choices=[("", "---------")] + [(g, g) for g in groups])
        return forms.CharField(label=_("Group"), max_length=128)
    if action.parameter == "device_key":
        return forms.CharField(label=_("Device key"), max_length=128, widget=forms.HiddenInput)
    return None


class ActionForm(NewPasswordMixin, forms.Form):
    """The confirmation of one action on one user: a reason (required for some), the action's parameter
    (a typed password twice, checked against the pool's policy), and for dangerous actions the user's name
    typed again."""

    reason = _reason_field()

    def __init__(
        self,
        *args: Any,
        action: StaffAction,
        name: str,
        groups: list[str] | None = None,
        names: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.name = name
        self.names = names or {}
        if action.reason_required:
            self.fields["reason"] = _reason_field(required=True)
        if self.typed_password:
            self.policy = current_policy()
            rules = ", ".join(password_rules(self.policy))
            self.fields["password1"] = password_field(
                _("New password"), help_text=_("It needs %(rules)s.") % {"rules": rules} if rules else ""
            )
            self.fields["password2"] = password_field(_("New password (again)"))
        field = _parameter_field(action, groups)
        if field is not None and action.parameter:
            self.fields[action.parameter] = field
        if action.danger == "danger":
            self.fields["confirm_username"] = forms.CharField(
                label=_("Type the username to confirm"), max_length=256, strip=False
            )

    @property
    def typed_password(self) -> bool:
        """The staff member types the action's password (set_password), twice."""
        return self.action.parameter == "password" and self.action.generates is None

    def person_names(self, cleaned: dict) -> dict[str, str]:
        return self.names

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.typed_password:
            self.clean_passwords(cleaned)
        return cleaned

    def clean_confirm_username(self) -> str:
        value = self.cleaned_data["confirm_username"]
        if value != self.name:
            raise forms.ValidationError(
                _("This does not match the username. Type “%(username)s” exactly to delete the user."),
                params={"username": self.name},
                code="mismatch",
            )
        return value

    def parameters(self) -> dict[str, str]:
        """The action's parameter from the form (a generated password is added by the caller)."""
        if self.typed_password:
            return {"password": self.cleaned_data["password1"]}
        if not self.action.parameter or self.action.generates is not None:
            return {}
        return {self.action.parameter: self.cleaned_data[self.action.parameter]}


class BulkActionForm(forms.Form):
    """The bulk-action confirmation: a reason, and the action's parameter (a group) when it has one."""

    reason = _reason_field()

    def __init__(
        self, *args: Any, action: StaffAction, groups: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        field = _parameter_field(action, groups)
        if field is not None and action.parameter:
            self.fields[action.parameter] = field

    def parameters(self) -> dict[str, str]:
        return (
            {self.action.parameter: self.cleaned_data[self.action.parameter]} if self.action.parameter else {}
        )


class InviteForm(forms.Form):
    """AdminCreateUser: Cognito emails the new user a temporary password.

    In pools where the email address is the username, there is no username field: the address is used.
    """

    username = forms.CharField(
        label=_("Username"),
        max_length=128,
        help_text=_("Letters, digits and symbols, no spaces. The user signs in with it."),
    )
    email = forms.EmailField(label=_("Email address"), max_length=254)
    reason = _reason_field()

    def __init__(self, *args: Any, email_is_username: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email_is_username = email_is_username
        if email_is_username:
            del self.fields["username"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        problem = username_problem(username)
        if problem:
            raise forms.ValidationError(problem, code="invalid")
        return username

    def new_username(self) -> str:
        """The Username for AdminCreateUser."""
        return self.cleaned_data["email"] if self.email_is_username else self.cleaned_data["username"]


# -- groups -----------------------------------------------------------------------------------------------
# CreateGroup.RoleArn's pattern in the API reference (an IAM role ARN).
ROLE_ARN = (
    r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?"
)


class GroupForm(forms.Form):
    """CreateGroup / UpdateGroup: the name (creation only: groups cannot be renamed), description,
    precedence and IAM role, with the limits of the API reference."""

    name = forms.CharField(
        label=_("Name"),
        max_length=128,
        help_text=_("Letters, digits and symbols, no spaces. A group cannot be renamed later."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2048, widget=forms.Textarea(attrs={"rows": 3})
    )
    precedence = forms.IntegerField(
        label=_("Precedence"),
        required=False,
        min_value=0,
        max_value=2_000_000_000,
        help_text=_("Lower numbers win when a user is in several groups with IAM roles."),
    )
    role_arn = forms.RegexField(
        label=_("IAM role ARN"),
        required=False,
        regex=rf"\A(?:{ROLE_ARN})\Z",
        min_length=20,
        max_length=2048,
        error_messages={
            "invalid": _("Enter an IAM role ARN such as arn:aws:iam::123456789012:role/Editors.")
        },
    )
    reason = _reason_field()

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["name"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if any(c.isspace() or not c.isprintable() for c in name):
            raise forms.ValidationError(_("A group name cannot contain spaces or control characters."))
        return name


class GroupDeleteForm(forms.Form):
    """DeleteGroup: the group's name typed again, and a reason."""

    confirm_name = forms.CharField(label=_("Type the group's name to confirm"), max_length=128, strip=False)
    reason = _reason_field()

    def __init__(self, *args: Any, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name

    def clean_confirm_name(self) -> str:
        value = self.cleaned_data["confirm_name"]
        if value != self.name:
            raise forms.ValidationError(
                _("This does not match. Type “%(group)s” exactly to delete the group."),
                params={"group": self.name},
                code="mismatch",
            )
        return value
