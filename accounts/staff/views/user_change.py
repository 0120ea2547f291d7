"""``/admin/cognito/users/<sub>/change/``: every attribute the pool defines, in an admin change form.

Fields are named by their Cognito names (DESIGN §10). Immutable, Cognito-maintained and developer-only
attributes are shown read-only; ``email_verified``/``phone_number_verified`` are switches; a changed email or
phone number is marked verified or sent for verification. The save is the ``set_attributes`` action
(``service.attempt``: audited with attribute names only); Cognito's refusals come back as field errors.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.cognito import errors, pool_description
from accounts.cognito.descriptions import SchemaAttribute
from accounts.cognito.types import CognitoUser
from accounts.staff import attributes, registry, selectors
from accounts.staff.outcomes import Outcome
from accounts.staff.registry import CHANGE_PERMISSION, VIEW_PERMISSION, Actor
from accounts.staff.reports import cognito_said, report
from accounts.staff.service import attempt
from accounts.staff.views.common import (
    detail_url,
    not_found,
    page_context,
    refusal_page,
    require,
    say,
    say_unavailable,
    with_retry,
)

E164 = r"\A\+[0-9]{4,15}\Z"
NUMBER = r"\A-?[0-9]+(\.[0-9]+)?\Z"
VERIFICATION_CHOICES = [
    (attributes.SEND_CODE, gettext_lazy("Send the user a code to verify it")),
    (attributes.MARK_VERIFIED, gettext_lazy("Mark it verified (you have checked it yourself)")),
]


def _field(attribute: SchemaAttribute) -> forms.Field:
    common: dict[str, Any] = {"label": attribute.name, "required": attribute.required}
    if attribute.data_type == "Boolean":
        return forms.ChoiceField(
            label=attribute.name,
            required=attribute.required,
            choices=[("", "—"), ("true", "true"), ("false", "false")],
        )
    if attribute.name == "email":
        return forms.EmailField(max_length=attribute.max_length or 2048, **common)
    if attribute.name == "phone_number":
        return forms.RegexField(
            regex=E164,
            max_length=16,
            help_text=gettext_lazy("E.164: a plus sign and digits only, such as +4930123456."),
            error_messages={
                "invalid": gettext_lazy("Enter the number as + and digits, such as +4930123456.")
            },
            **common,
        )
    if attribute.data_type == "Number":
        return forms.RegexField(regex=NUMBER, **common)
    return forms.CharField(
        max_length=attribute.max_length or 2048, min_length=attribute.min_length or None, **common
    )


class UserChangeForm(forms.Form):
    """One field per editable attribute (named as in Cognito), the verified switches, and a reason."""

    def __init__(self, *args: Any, user: CognitoUser, schema: list[SchemaAttribute], **kwargs: Any) -> None:
        initial = {a.name: user.attributes.get(a.name, "") for a in schema}
        for attribute, flag in attributes.VERIFIED_FLAGS.items():
            initial[flag] = user.attributes.get(flag) == "true"
            initial[f"{attribute}_verification"] = attributes.SEND_CODE
        super().__init__(*args, initial=initial, **kwargs)
        self.user = user
        self.schema = schema
        self.read_only = [a for a in schema if attributes.read_only(a)]
        for attribute in schema:
            if attributes.read_only(attribute):
                continue
            self.fields[attribute.name] = _field(attribute)
            flag = attributes.VERIFIED_FLAGS.get(attribute.name)
            if flag:
                self.fields[flag] = forms.BooleanField(label=flag, required=False)
                self.fields[f"{attribute.name}_verification"] = forms.ChoiceField(
                    label=_("If %(attribute)s changes") % {"attribute": attribute.name},
                    choices=VERIFICATION_CHOICES,
                    widget=forms.RadioSelect,
                    required=False,
                )
        self.fields["reason"] = forms.CharField(
            label=_("Reason (optional, kept in the audit log)"),
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        )

    def sections(self) -> list[dict[str, Any]]:
        """Standard and custom attributes, each with its editable fields and read-only values."""
        result = []
        for title, custom in ((_("Standard attributes"), False), (_("Custom attributes"), True)):
            rows = []
            for attribute in self.schema:
                if attribute.custom != custom:
                    continue
                if attribute.name in self.fields:
                    flag = attributes.VERIFIED_FLAGS.get(attribute.name)
                    rows.append(
                        {
                            "field": self[attribute.name],
                            "switch": self[flag] if flag else None,
                            "verification": self[f"{attribute.name}_verification"] if flag else None,
                        }
                    )
                else:
                    rows.append(
                        {"name": attribute.name, "value": self.user.attributes.get(attribute.name, "")}
                    )
            if rows:
                result.append({"title": title, "rows": rows})
        fixed = [{"name": name, "value": self.user.attributes.get(name, "")} for name in attributes.READ_ONLY]
        result.insert(0, {"title": _("Set by Cognito"), "rows": [row for row in fixed if row["value"]]})
        return result

    def plan(self) -> attributes.Plan:
        """What the valid form asks for, as AdminUpdate/DeleteUserAttributes calls (``attributes.plan``)."""
        data = self.cleaned_data
        wanted = {a.name: data.get(a.name) or "" for a in self.schema if a.name in self.fields}
        verified = {
            flag: bool(data.get(flag)) for flag in attributes.VERIFIED_FLAGS.values() if flag in self.fields
        }
        verification = {name: data.get(f"{name}_verification") or "" for name in attributes.VERIFIED_FLAGS}
        return attributes.plan(self.user, wanted, verified=verified, verification=verification)


def _place_refusal(form: UserChangeForm, error: errors.CognitoError) -> None:
    """Cognito's refusal on the field it names (its message names the attribute), else on the form."""
    if isinstance(error, errors.AliasExists):
        form.add_error("email" if "email" in form.fields else None, str(error.user_message))
        return
    message = cognito_said(error)
    said = error.aws_message or ""
    for name in sorted(form.fields, key=len, reverse=True):
        # "phone_number" or, in Cognito's prose, "phone number".
        spellings = {re.escape(name), re.escape(name).replace("_", "[ _]")}
        if name != "reason" and any(re.search(rf"(?<![\w:]){s}(?![\w:])", said, re.I) for s in spellings):
            form.add_error(name, message)
            return
    form.add_error(None, message)


def user_change(request: HttpRequest, sub: str, *, site: admin.AdminSite) -> HttpResponse:
    """GET: the change form. POST: the ``set_attributes`` action (AdminUpdate/DeleteUserAttributes)."""
    require(request, VIEW_PERMISSION)
    require(request, CHANGE_PERMISSION)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        user = selectors.resolve_sub(sub)
        schema = attributes.editable(pool_description())
    except errors.UserNotFound:
        return not_found(request, site, sub)
    except errors.CognitoError as exc:
        if isinstance(exc, errors.CognitoUnavailable):
            say_unavailable(request, exc)
        else:
            messages.error(request, cognito_said(exc))
        context = page_context(request, site, sub, username=sub, failed=True)
        response = TemplateResponse(request, "admin/cognito/user_detail.html", context, status=502)
        return with_retry(response) if isinstance(exc, errors.CognitoUnavailable) else response

    refused = refusal_page(request, site, registry.get("set_attributes"), user)  # GET and POST alike
    if refused is not None:
        return refused
    label = selectors.staff_label(user)
    form = UserChangeForm(request.POST if request.method == "POST" else None, user=user, schema=schema)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            change = form.plan()
            if change.empty:
                messages.info(request, _("Nothing was changed."))
                return HttpResponseRedirect(detail_url(site, sub))
            action = registry.get("set_attributes")
            result = attempt(
                action.name,
                user,
                actor=Actor.from_request(request),
                reason=form.cleaned_data["reason"],
                attributes=change.encode(),
            )
            if isinstance(result.error, errors.UserNotFound):
                return not_found(request, site, label)
            if result.outcome is not Outcome.FAILED:
                say(request, report(result, action, label))
                if change.sent_for_verification and result.outcome is Outcome.DONE:
                    messages.info(
                        request,
                        _("Cognito sends %(username)s a code to verify the new %(attributes)s.")
                        % {"username": label, "attributes": ", ".join(change.sent_for_verification)},
                    )
                return HttpResponseRedirect(detail_url(site, sub))
            if result.partial or isinstance(result.error, errors.CognitoUnavailable) or result.error is None:
                say(request, report(result, action, label))
                status = 503 if isinstance(result.error, errors.CognitoUnavailable) else 400
            else:
                _place_refusal(form, result.error)
    context = page_context(
        request,
        site,
        _("Edit %(username)s") % {"username": label},
        username=label,
        cognito_user=user,
        form=form,
        detail_url=detail_url(site, sub),
    )
    response = TemplateResponse(request, "admin/cognito/user_change.html", context, status=status)
    return with_retry(response) if status == 503 else response
