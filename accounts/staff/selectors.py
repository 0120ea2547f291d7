"""Reads for the staff pages and commands: finding a user by sub or name, the user detail, the pool's groups.

A Cognito user *is* its sub (DESIGN §8); the staff pages are keyed by it. Cognito's admin calls take a
``Username`` that may be the username, an alias, or the sub of a local user (AdminGetUser API reference,
``Username``: "If username isn't an alias attribute in your user pool, this value must be the sub of a local
user"). A *username* may also look like somebody else's sub on pools the portal did not create, so every
answer is checked to have the sub that was asked for, and ListUsers ``sub = "…"`` is the fallback. A
per-process cache maps sub → canonical username (neither ever changes); what comes back is still checked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache

from accounts.cognito import errors, filters, get_idp, pool_description
from accounts.cognito.types import CognitoUser, Device, Group, Page
from accounts.identity import display_name, looks_like_sub
from accounts.staff.registry import UserState

GROUPS_CACHE_SECONDS = 300
USERNAME_CACHE_SIZE = 20_000

_usernames: OrderedDict[tuple[str, str], str] = OrderedDict()
_usernames_lock = threading.Lock()


def staff_label(user: CognitoUser) -> str:
    """The name staff see for a user: the username, unless it is a generated id (email-as-username
    pools), then a human name (preferred_username, email …); never a bare sub."""
    if user.username and not looks_like_sub(user.username):
        return user.username
    return display_name(user.username, user.attributes)


# -- what the applicability rules see ----------------------------------------------------------------------
CREDENTIAL_EVENTS = ("invite", "resend_invitation", "set_temporary_password")


def temporary_password_by_staff(user: CognitoUser) -> bool:
    """Whether a FORCE_CHANGE_PASSWORD status comes from a temporary password staff set (the user must
    choose a new password) rather than from an invitation nobody has accepted yet.

    Cognito cannot tell the two apart: it has no "invited" flag, and UserLastModifiedDate moves with every
    attribute change too, so "modified == created" would call an invited user whose name was corrected a
    password case. The portal's own records can, so they decide: the audit trail's latest successful
    invitation, resend or temporary password for this sub is a temporary password; or the portal's mirror
    of this sub has signed in since the latest invitation (an invited user has no password of their own
    until they do). A temporary password set outside the portal for a user who never signed in here is not
    seen: such a user reads as invited (and a resend gives them a new temporary password, which works too).
    """
    if user.status != "FORCE_CHANGE_PASSWORD" or not user.sub:
        return False
    from accounts.models import AuditEvent, User

    latest = (
        AuditEvent.objects.filter(target_sub=user.sub, outcome="success", action__in=CREDENTIAL_EVENTS)
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is not None and latest.action == "set_temporary_password":
        return True
    signed_in = User.objects.filter(cognito_sub=user.sub).values_list("last_login", flat=True).first()
    return signed_in is not None and (latest is None or signed_in > latest.created_at)


def user_state(
    user: CognitoUser, devices: Iterable[Device] | None = None, groups: Iterable[str] | None = None
) -> UserState:
    """The ``UserState`` of a user just read: devices and group names when listed (None: not listed), and
    whether a FORCE_CHANGE_PASSWORD status is a staff-set temporary password (one database query, only for
    users in that status)."""
    return UserState(
        user,
        tuple(devices) if devices is not None else None,
        frozenset(groups) if groups is not None else None,
        temporary_password_by_staff(user),
    )


def person_names(user: CognitoUser) -> dict[str, str]:
    """The names a user is known by (``username``, ``email``, ``preferred_username``): what a new password
    for them must not resemble or contain (``accounts.password_rules.new_password_problems``)."""
    return {
        "username": user.username,
        "email": user.email or "",
        "preferred_username": user.attributes.get("preferred_username", ""),
    }


# -- the sub → username cache ----------------------------------------------------------------------------
def _key(sub: str) -> tuple[str, str]:
    return (get_idp().user_pool_id, sub)


def remember(users: Iterable[CognitoUser]) -> None:
    """Note the canonical usernames of users just read (a list page, a lookup, an invitation)."""
    with _usernames_lock:
        for user in users:
            if user.sub and user.username:
                key = _key(user.sub)
                _usernames[key] = user.username
                _usernames.move_to_end(key)
        while len(_usernames) > USERNAME_CACHE_SIZE:
            _usernames.popitem(last=False)


def _cached(sub: str) -> str | None:
    with _usernames_lock:
        return _usernames.get(_key(sub))


def known_username(sub: str) -> str | None:
    """The canonical username last seen for ``sub`` in this process (unverified: check what comes back)."""
    return _cached(sub)


def _forget(sub: str) -> None:
    with _usernames_lock:
        _usernames.pop(_key(sub), None)


def _not_found(what: str) -> errors.UserNotFound:
    return errors.UserNotFound(f"No user with {what}.", code="UserNotFoundException")


def _get_if_sub(name: str, sub: str) -> CognitoUser | None:
    """AdminGetUser(name), kept only when it is the user with ``sub``."""
    try:
        user = get_idp().admin_get_user(name)
    except errors.UserNotFound:
        return None
    return user if user.sub == sub else None


def resolve_sub(sub: str) -> CognitoUser:
    """The user whose sub is ``sub`` (AdminGetUser, verified); raises ``UserNotFound`` when there is none.

    One call when the username is cached or the pool takes subs as usernames; else ListUsers
    ``sub = "…"`` plus AdminGetUser on the canonical username it names.
    """
    for name in filter(None, (_cached(sub), sub)):
        user = _get_if_sub(name, sub)
        if user is not None:
            remember([user])
            return user
    _forget(sub)
    page = get_idp().list_users(filter=f"sub = {filters.quote(sub)}", limit=1)
    for listed in page.items:
        if listed.sub == sub:
            user = _get_if_sub(listed.username, sub)
            if user is not None:
                remember([user])
                return user
    raise _not_found("this sub")


def lookup_name(name: str) -> CognitoUser:
    """The user a typed name (username or sign-in alias) stands for; raises ``UserNotFound``.

    AdminGetUser accepts aliases on AWS. Where it does not (older emulators), a verified alias is looked up
    with an exact ListUsers filter, accepted only when exactly one user has it.
    """
    if not name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise _not_found("this name")
    try:
        user = get_idp().admin_get_user(name)
    except errors.UserNotFound:
        user = _by_alias(name)
    remember([user])
    return user


def _by_alias(name: str) -> CognitoUser:
    try:
        aliases = pool_description().alias_attributes
    except errors.CognitoError:
        aliases = ()
    for attribute in aliases:
        page = get_idp().list_users(filter=f"{attribute} = {filters.quote(name)}", limit=2)
        matches = [
            user
            for user in page.items
            if attribute == "preferred_username" or user.attributes.get(f"{attribute}_verified") == "true"
        ]
        if len(matches) == 1:
            return get_idp().admin_get_user(matches[0].username)
    raise _not_found("this name")


def find_user(value: str) -> CognitoUser:
    """A user by sub, username or alias (the commands): a sub-shaped value is tried as a sub first."""
    if looks_like_sub(value):
        try:
            return resolve_sub(value.lower())
        except errors.UserNotFound:
            pass
    return lookup_name(value)


# -- the user detail: three calls at once ----------------------------------------------------------------
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """The shared thread pool for concurrent Cognito reads (the boto3 client is thread-safe)."""
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=12, thread_name_prefix="cognito-staff")
    return _executor


@dataclass
class UserDetail:
    """One user as the detail page shows them; ``devices_error`` says why the devices are missing."""

    user: CognitoUser
    groups: list[Group]
    devices: list[Device]
    devices_error: str = ""


def user_detail(sub: str) -> UserDetail:
    """AdminGetUser, AdminListGroupsForUser and AdminListDevices for the user ``sub``, issued concurrently.

    When the username is not known yet, ``resolve_sub`` runs first and the other two follow together.
    Raises ``UserNotFound`` when there is no such user and ``CognitoUnavailable`` when any call could not be
    made; a device listing that fails otherwise is reported in ``devices_error``.
    """
    username = _cached(sub)
    if username:
        user_future = pool().submit(get_idp().admin_get_user, username)
        detail = _groups_and_devices(username, user_future)
        if detail is not None and detail.user.sub == sub:
            return detail
        _forget(sub)
    return detail_of(resolve_sub(sub))


def detail_of(user: CognitoUser) -> UserDetail:
    """The groups and devices of a user just read (AdminListGroupsForUser, AdminListDevices at once)."""
    done: Future[CognitoUser] = Future()
    done.set_result(user)
    detail = _groups_and_devices(user.username, done)
    if detail is None:
        raise _not_found("this name")
    return detail


def _groups_and_devices(username: str, user_future: Future[CognitoUser]) -> UserDetail | None:
    """None when AdminGetUser says the username is gone (the caller resolves the sub again)."""
    idp = get_idp()
    groups_future: Future[list[Group]] = pool().submit(idp.admin_list_groups_for_user, username)
    devices_future: Future[Page[Device]] = pool().submit(idp.admin_list_devices, username)
    futures = (user_future, groups_future, devices_future)
    failures = [future.exception() for future in futures]  # waits for all three
    for failure in failures:
        if isinstance(failure, errors.CognitoUnavailable):
            raise failure
    if isinstance(failures[0], errors.UserNotFound):
        return None
    if failures[0] is not None:
        raise failures[0]
    if isinstance(failures[1], errors.UserNotFound) or isinstance(failures[2], errors.UserNotFound):
        raise errors.UserNotFound(
            "The user vanished while the page was loading.", code="UserNotFoundException"
        )
    if failures[1] is not None:
        raise failures[1]
    devices_error = ""
    devices: list[Device] = []
    if failures[2] is not None:
        failure = failures[2]
        devices_error = f"{getattr(failure, 'code', '')}: {getattr(failure, 'aws_message', failure)}"
    else:
        page = devices_future.result()
        devices = list(page.items)
        token = page.next_token
        while token:  # more than 60 devices is rare: one more call per 60 only then
            more = idp.admin_list_devices(username, pagination_token=token)
            devices.extend(more.items)
            token = more.next_token
    return UserDetail(user_future.result(), groups_future.result(), devices, devices_error)


def device_label(username: str, device_key: str) -> str:
    """The name staff know a device by (its ``device_name``), else its key; AdminListDevices, all pages.

    Falls back to the key when the devices cannot be listed (the action itself still reports Cognito's
    answer).
    """
    try:
        devices = get_idp().all_devices(username=username)
    except errors.CognitoError:
        return device_key
    return next((d.name for d in devices if d.key == device_key and d.name), device_key)


# -- the pool ---------------------------------------------------------------------------------------------
def _group_names_key() -> str:
    return f"accounts.staff.groups:{get_idp().user_pool_id}"


def forget_group_names() -> None:
    """Drop the cached group names (``group_names``): stale after a group is created or deleted."""
    cache.delete(_group_names_key())


def group_names() -> list[str]:
    """The pool's groups (ListGroups), cached so the list page stays at one ListUsers call per view."""
    idp = get_idp()
    key = _group_names_key()
    names = cache.get(key)
    if names is None:
        names = [group.name for group in idp.list_groups()]
        cache.set(key, names, GROUPS_CACHE_SECONDS)
    return names


ESTIMATE_SECONDS = 300


@dataclass(frozen=True)
class Estimate:
    """Cognito's EstimatedNumberOfUsers (DescribeUserPool) and when it was read (aware datetime, UTC)."""

    count: int
    read_at: datetime


def _estimate_key() -> str:
    return f"accounts.staff.estimate:{get_idp().user_pool_id}"


def estimated_users() -> Estimate | None:
    """The pool's estimated user count, read at most every ``ESTIMATE_SECONDS`` (and again right after a
    staff member created or deleted users: ``forget_estimate``); None when Cognito cannot say.

    It is Cognito's estimate and may lag the pool itself; pages label it so, with its age.
    """
    cached = cache.get(_estimate_key())
    if cached is not None:
        return cached
    try:
        description = pool_description(refresh=True)
    except errors.CognitoError:
        return None
    estimate = Estimate(description.estimated_users, datetime.now(UTC))
    cache.set(_estimate_key(), estimate, ESTIMATE_SECONDS)
    return estimate


def forget_estimate() -> None:
    """Users were created or deleted: the next list page reads the estimate again."""
    cache.delete(_estimate_key())
