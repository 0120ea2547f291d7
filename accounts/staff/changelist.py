"""``UserChangeList``: the user list's query string, its page of users and every link on the page.

Modelled on ``django.contrib.admin.views.main.ChangeList``: it parses the request (``UserSearchForm``,
``UserQuery``, the signed ``Trail``), fetches one page (one ListUsers or ListUsersInGroup call) and builds
the pager, filter and page-size links; the view only renders it. Problems with the query become
``notices`` (message level, text) that the view shows.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.cognito import errors
from accounts.cognito.filters import USER_STATUSES, FilterError
from accounts.cognito.types import CognitoUser
from accounts.staff import columns, selectors
from accounts.staff.forms import UserSearchForm
from accounts.staff.query import DEFAULT_PAGE_SIZE, Trail, UserQuery
from accounts.staff.reports import cognito_said

PAGE_SIZE_CHOICES = (10, 25, 50, 60)


# Where a name or an address may wrap in a narrow column: after these, never inside a word (CSS
# ``overflow-wrap: anywhere`` broke "user000@example.com" into "user0 00@ exam ple.c om").
BREAK_AFTER = re.compile(r"([@._+\-])")


def breakable(text: str) -> str:
    """``text`` escaped, with a ``<wbr>`` after each @ . _ + and - (user names and email addresses)."""
    return mark_safe(BREAK_AFTER.sub(r"\1<wbr>", escape(text)))  # noqa: S308 (escaped first; wbr only)


def status_badge(status: str) -> str:
    """The CSS class of a user status badge."""
    if status == "CONFIRMED":
        return "ok"
    if status in {"UNCONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"}:
        return "pending"
    return "other"


def query_string(query: UserQuery, **overrides: Any) -> str:
    """The list URL's query for this search (only the applied filter, so links never mix filters)."""
    params: dict[str, Any] = {}
    if query.applied == "search":
        params.update(q=query.q, attr=query.attr)
    elif query.applied == "status":
        params["status"] = query.status
    elif query.applied == "enabled":
        params["enabled"] = "true" if query.enabled else "false"
    elif query.applied == "group":
        params["group"] = query.group
    if query.page_size != DEFAULT_PAGE_SIZE:
        params["page_size"] = query.page_size
    params.update(overrides)
    encoded = QueryDict(mutable=True)
    for key, value in params.items():
        if value not in (None, ""):
            encoded[key] = str(value)
    text = encoded.urlencode()
    return "?" + text if text else "?"


class UserChangeList:
    """One view of the user list: parsed from ``request.GET``; ``get_results()`` makes the one call."""

    def __init__(self, request: HttpRequest, site: admin.AdminSite) -> None:
        self.site = site
        self.notices: list[tuple[int, str]] = []
        self.form = UserSearchForm(request.GET)
        if not self.form.is_valid():
            for name, field_errors in self.form.errors.items():
                label = self.form.fields[name].label if name in self.form.fields else name
                for error in field_errors:
                    self.notices.append(
                        (
                            messages.ERROR,
                            _("%(field)s: %(error)s This part of the search was left out.")
                            % {"field": label, "error": error},
                        )
                    )
        self.query = UserQuery.from_cleaned(self.form.cleaned_data)
        self.page_token = self.form.cleaned_data.get("page_token") or ""
        if self.query.ignored:
            self.notices.append(
                (
                    messages.WARNING,
                    _(
                        "Cognito can apply only one filter at a time. Applied: %(applied)s. Not applied: "
                        "%(ignored)s. Clear the filter to use another one."
                    )
                    % {
                        "applied": self.query.describe(),
                        "ignored": ", ".join(self.query.describe(kind) for kind in self.query.ignored),
                    },
                )
            )
        self.users: list[CognitoUser] = []
        self.trail = Trail()
        self.next_token: str | None = None
        self.failed = False
        self.unavailable: errors.CognitoUnavailable | None = None

    # -- the one Cognito call -----------------------------------------------------------------------------
    def get_results(self) -> None:
        """Fetch the page; Cognito trouble becomes ``failed`` plus a notice (``unavailable`` for outages)."""
        try:
            self.query.cognito_filter()
            if self.page_token:
                read = Trail.read(self.page_token, self.query)
                if read is None:
                    self.notices.append(
                        (
                            messages.WARNING,
                            _(
                                "That page link is not valid for this search (it may be damaged); "
                                "showing the first page."
                            ),
                        )
                    )
                else:
                    self.trail = read
            page = self.query.fetch_page(self.trail.token)
            self.users, self.next_token = page.items, page.next_token
            selectors.remember(self.users)
        except FilterError as exc:
            self.notices.append((messages.ERROR, str(exc)))
            self.failed = True
        except errors.CognitoUnavailable as exc:
            self.unavailable, self.failed = exc, True
        except errors.ResourceNotFound:
            self.notices.append(
                (
                    messages.ERROR,
                    _("There is no group named “%(group)s”. Choose a group from the list.")
                    % {"group": self.query.group},
                )
            )
            self.failed = True
        except errors.CognitoError as exc:
            self.notices.append((messages.ERROR, cognito_said(exc)))
            self.failed = True

    # -- what the template shows ----------------------------------------------------------------------------
    def url(self, **overrides: Any) -> str:
        """The list URL for this query, with ``overrides`` of its parameters."""
        return reverse("admin:cognito_user_list", current_app=self.site.name) + query_string(
            self.query, **overrides
        )

    def rows(self, optional: list[str] | None = None) -> list[dict[str, Any]]:
        """The page's users for the template: the user, the name staff see, the sub URL, the badge, and the
        cells of the ``optional`` columns (groups and MFA fetched concurrently, "?" when a call failed)."""
        optional = optional or []
        extras = columns.Extras(optional)
        extras.load([user for user in self.users if user.sub])
        if extras.failed:
            self.notices.append(
                (
                    messages.WARNING,
                    _("%(count)d cells could not be read from Cognito and show “?”. Reload to try again.")
                    % {"count": extras.failed},
                )
            )
        return [
            {
                "user": user,
                "label": selectors.staff_label(user),
                "label_html": breakable(selectors.staff_label(user)),
                "email_html": breakable(user.email or ""),
                "url": reverse(
                    "admin:cognito_user_detail", kwargs={"sub": user.sub}, current_app=self.site.name
                ),
                "badge": status_badge(user.status),
                "status_html": breakable(user.status),  # the badge may wrap after its underscores
                "optional": [columns.cell(user, name, extras.get(user)) for name in optional],
            }
            for user in self.users
            if user.sub
        ]

    def pager(self) -> dict[str, Any]:
        """The pager, page-size and clear links of this page (template variables)."""
        back = self.trail.back()
        return {
            "page_number": self.trail.page_number,
            "next_url": query_string(
                self.query, page_token=self.trail.forward(self.next_token).sign(self.query)
            )
            if self.next_token
            else "",
            "previous_url": (
                query_string(self.query, page_token=back.sign(self.query) if back.tokens else None)
                if back is not None
                else ""
            ),
            "first_url": query_string(self.query) if self.trail.page_number > 1 else "",
            "current_query": query_string(self.query, page_token=self.page_token or None)[1:],
            "page_size_links": [
                {
                    "size": size,
                    "url": query_string(self.query, page_size=size),
                    "current": size == self.query.page_size,
                }
                for size in PAGE_SIZE_CHOICES
            ],
            "clear_url": query_string(UserQuery(page_size=self.query.page_size)),
        }

    def filter_specs(self, group_names: list[str]) -> list[dict[str, Any]]:
        """The sidebar: status, enabled and (when the pool has any) group choices."""
        query = self.query
        size = {"page_size": query.page_size} if query.page_size != DEFAULT_PAGE_SIZE else {}
        plain = UserQuery(page_size=query.page_size)

        def choice(display: str, selected: bool, **params: Any) -> dict[str, Any]:
            return {
                "display": display,
                "query_string": query_string(plain, **params, **size),
                "selected": selected,
            }

        def spec(title: str, kind: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
            return {"title": title, "choices": [choice(_("All"), query.applied != kind), *choices]}

        applied = query.applied
        specs = [
            spec(
                _("status"),
                "status",
                [
                    choice(breakable(s), applied == "status" and query.status == s, status=s)
                    for s in USER_STATUSES
                ],
            ),
            spec(
                _("enabled"),
                "enabled",
                [
                    choice(_("Enabled"), applied == "enabled" and query.enabled is True, enabled="true"),
                    choice(_("Disabled"), applied == "enabled" and query.enabled is False, enabled="false"),
                ],
            ),
        ]
        if group_names or query.group:
            names = (
                group_names if query.group in group_names or not query.group else [*group_names, query.group]
            )
            specs.append(
                spec(
                    _("group"),
                    "group",
                    [choice(name, applied == "group" and query.group == name, group=name) for name in names],
                )
            )
        return specs
