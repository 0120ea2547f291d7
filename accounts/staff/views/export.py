"""CSV export of the current search: streamed page by page, audited from the first row to the last.

When Cognito fails part-way, the stream ends with a line saying the file is incomplete and then raises, so
the WSGI server aborts the response: the download fails in the browser and for tools (chunked transfer
without its final chunk), and the audit row says ``failure`` with how many users went out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

from django.contrib import admin, messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)

from accounts.cognito import errors
from accounts.cognito.filters import FilterError
from accounts.cognito.types import CognitoUser
from accounts.exporting import ExportAudit, audited, csv_failure_line, csv_lines, failure_reason
from accounts.staff import columns
from accounts.staff.changelist import UserChangeList
from accounts.staff.registry import VIEW_PERMISSION, Actor
from accounts.staff.reports import cognito_said
from accounts.staff.views.common import require, say_unavailable


def _stream(
    users: Iterator[CognitoUser], record: ExportAudit, optional: list[str], bom: bool
) -> Iterator[str]:
    record.begin()  # as the stream starts, before the header goes out
    extras = columns.Extras(optional)
    try:
        # Cells that need calls are read a page ahead, before the audit counts the users out.
        yield from csv_lines(
            audited(extras.paged(users), record), optional=optional, extras=extras.get, bom=bom
        )
    except errors.CognitoError as exc:
        yield csv_failure_line(record.count, failure_reason(exc))
        raise


def export_csv(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    """The current search as a streamed, audited CSV download (see the module's docstring)."""
    require(request, VIEW_PERMISSION)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    changelist = UserChangeList(request, site)
    for level, text in changelist.notices:
        messages.add_message(request, level, text)
    query = changelist.query
    try:
        users = query.iter_users()
        # Fetch the first page now: a Cognito failure then becomes a message, not a broken download.
        first = list(itertools.islice(users, 1))
    except FilterError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(changelist.url())
    except errors.CognitoUnavailable as exc:
        say_unavailable(request, exc)
        return HttpResponseRedirect(changelist.url())
    except errors.CognitoError as exc:
        messages.error(request, cognito_said(exc))
        return HttpResponseRedirect(changelist.url())

    actor = Actor.from_request(request)
    record = ExportAudit(
        what=query.describe(),
        format="csv",
        destination="download",
        actor=actor.user,
        actor_label=actor.label,
        actor_ip=actor.ip,
    )
    optional = columns.chosen(request)
    # A UTF-8 byte-order mark unless ?bom=0: Excel on Windows then reads UTF-8 (zoë, not zoÃ«).
    bom = request.GET.get("bom", "1") != "0"
    response = StreamingHttpResponse(
        _stream(itertools.chain(first, users), record, optional, bom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="cognito-users-{date.today():%Y%m%d}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
