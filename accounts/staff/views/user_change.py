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
from accounts.cognito.descriptions import PoolDescription, SchemaAttribute
from accounts.cognito.types import CognitoUser
from accounts.staff import attribute_changes, attributes, registry, selectors
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

VERIFICATION_CHOICES = [
    (attribute_changes.SEND_CODE, gettext_lazy("Send the user a code to verify it")),
    (attribute_changes.MARK_VERIFIED, gettext_lazy("Mark it verified (you have checked it yourself)")),
]


def _widget(name: str, *values: str | None) -> forms.Widget:
    """A textarea for multi-line values; otherwise a text input (never type=email, whose browsers strip
    blanks and may rewrite the domain, so that an untouched address would come back changed)."""
    if attributes.multi_line(name, *values):
        return forms.Textarea(attrs={"rows": 3, "cols": 60})
    attrs = {"spellcheck": "false", "autocomplete": "off"}
    if name == "email":
        attrs["inputmode"] = "email"
    return forms.TextInput(attrs=attrs)


def _as_rendered(field: forms.Field) -> forms.Field:
    """An untouched attribute: not checked again (its value is Cognito's), still shown as it was."""
    return forms.CharField(
        label=field.label,
        required=False,
        strip=False,
        help_text=field.help_text,
        widget=field.widget,
        show_hidden_initial=True,
    )


class UserChangeForm(forms.Form):
    """One field per editable attribute (named as in Cognito), the verified switches, and a reason.

    Each field carries the value it was rendered from (Django's ``initial-<name>`` hidden input); a field
    whose submitted value equals it (line breaks aside) is untouched: neither checked nor sent. A field left
    out of the POST is untouched too; without the hidden value, the user's current value is the reference.
    """

    def __init__(
        self,
        *args: Any,
        user: CognitoUser,
        schema: list[SchemaAttribute],
        pool: PoolDescription,
        **kwargs: Any,
    ) -> None:
        initial = {a.name: user.attributes.get(a.name, "") for a in schema}
        for attribute, flag in attributes.VERIFIED_FLAGS.items():
            initial[flag] = user.attributes.get(flag) == "true"
            initial[f"{attribute}_verification"] = attribute_changes.SEND_CODE
        super().__init__(*args, initial=initial, **kwargs)
        self.user = user
        self.schema = schema
        self.pool = pool
        self.attribute_names: list[str] = []
        for attribute in schema:
            if attributes.read_only(attribute):
                continue
            name = attribute.name
            self.attribute_names.append(name)
            widget = _widget(name, initial[name], *self._posted(name))
            field = attributes.value_field(attribute, widget=widget)
            field.show_hidden_initial = True
            self.fields[name] = _as_rendered(field) if self.is_bound and not self._changed(name) else field
            flag = attributes.VERIFIED_FLAGS.get(name)
            if flag:
                self.fields[flag] = forms.BooleanField(label=flag, required=False, show_hidden_initial=True)
                self.fields[f"{name}_verification"] = forms.ChoiceField(
                    label=_("If %(attribute)s changes") % {"attribute": name},
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

    def _posted(self, name: str) -> tuple[str | None, str | None]:
        """The submitted value of ``name`` and the value it was rendered from (None where not posted)."""
        if not self.is_bound:
            return None, None
        return self.data.get(name), self.data.get(self.add_initial_prefix(name))

    def _changed(self, name: str) -> bool:
        """True when the person changed the attribute's value on the page."""
        submitted, rendered = self._posted(name)
        if submitted is None:
            return False
        if rendered is None:
            rendered = self.initial.get(name, "")
        return not attributes.same_text(submitted, rendered)

    def _switched(self, flag: str) -> bool:
        """True when a verified switch was flipped on the page (or, posted without the value it was
        rendered from, when it differs from the user's current flag)."""
        rendered = self.data.get(self.add_initial_prefix(flag))
        before = self.initial[flag] if rendered is None else forms.BooleanField().to_python(rendered)
        return bool(self.cleaned_data.get(flag)) != before

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

    def plan(self) -> attribute_changes.Plan:
        """What the valid form asks for, as AdminUpdate/DeleteUserAttributes calls
        (``attribute_changes.plan``): only the attributes the person changed, line breaks sent as LF."""
        data = self.cleaned_data
        wanted = {
            name: attributes.plain_lines(data.get(name) or "")
            for name in self.attribute_names
            if self._changed(name)
        }
        verified = {
            flag: bool(data.get(flag))
            for flag in attributes.VERIFIED_FLAGS.values()
            if flag in self.fields and self._switched(flag)
        }
        verification = {name: data.get(f"{name}_verification") or "" for name in attributes.VERIFIED_FLAGS}
        return attribute_changes.plan(
            self.user, wanted, verified=verified, verification=verification, pool=self.pool
        )


def _place_refusal(form: UserChangeForm, change: attribute_changes.Plan, error: errors.CognitoError) -> None:
    """Cognito's refusal on the field it names (its message names the attribute), else on the form."""
    if isinstance(error, errors.AliasExists):
        name, message = attribute_changes.alias_refusal(error, change, form.pool)
        form.add_error(name if name in form.fields else None, message)
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


def _say_verification(request: HttpRequest, change: attribute_changes.Plan, label: str) -> None:
    if change.sent_for_verification:
        messages.info(
            request,
            _("Cognito sends %(username)s a code to verify the new %(attributes)s.")
            % {"username": label, "attributes": ", ".join(change.sent_for_verification)},
        )
    for notice in attribute_changes.pending_notice(change, label):
        messages.warning(request, notice)


def user_change(request: HttpRequest, sub: str, *, site: admin.AdminSite) -> HttpResponse:
    """GET: the change form. POST: the ``set_attributes`` action (AdminUpdate/DeleteUserAttributes)."""
    require(request, VIEW_PERMISSION)
    require(request, CHANGE_PERMISSION)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        user = selectors.resolve_sub(sub)
        pool = pool_description()
        schema = attributes.editable(pool)
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
    form = UserChangeForm(
        request.POST if request.method == "POST" else None, user=user, schema=schema, pool=pool
    )
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
                if result.outcome is Outcome.DONE:
                    _say_verification(request, change, label)
                return HttpResponseRedirect(detail_url(site, sub))
            unavailable = isinstance(result.error, errors.CognitoUnavailable)
            if result.partial and result.error is not None and not unavailable:
                # Update applied, deletion refused: sending it again would be refused the same way.
                messages.error(request, attribute_changes.partial_refusal(change, result.error, label))
            elif result.partial or unavailable or result.error is None:
                say(request, report(result, action, label))
                status = 503 if unavailable else 400
            else:
                _place_refusal(form, change, result.error)
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
