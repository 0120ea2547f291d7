"""Sign-in events: what a pool with threat protection logs per sign-in, served by AdminListUserAuthEvents.

``recording(handlers)`` wraps the sign-in operations (InitiateAuth, AdminInitiateAuth and the two
RespondToAuthChallenge calls, plus GetTokensFromRefreshToken where it exists) so that every outcome is
logged without touching the state machine in ``auth``:

- a password or SRP sign-in starts one ``SignIn`` event (``InProgress`` while challenges are pending,
  ``Pass`` with tokens, ``Fail`` on a refusal); each answered challenge adds ``Password`` or ``Mfa`` with
  ``Success``/``Failure`` to ``ChallengeResponses`` of the *same* event, found through the Session;
- a remembered-device step (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) names the device in
  ``EventContextData.DeviceName`` (the API has no challenge name for it);
- a token refresh is logged as a ``SignIn`` event of its own with no challenge responses (a local choice:
  the API's EventType has no refresh type, and AWS's history may leave refreshes out).

Shapes follow the API reference's AuthEventType (EventId, EventType, CreationDate in epoch seconds,
EventResponse, EventRisk, ChallengeResponses, EventContextData with IpAddress, DeviceName … where present).
The local pool behaves as one with threat protection in AUDIT mode: events are recorded always, and served
unless the pool's ``UserPoolAddOns.AdvancedSecurityMode`` is set to ``OFF``, in which case the call is
refused with ``UserPoolAddOnNotEnabledException`` as AWS refuses it for pools without threat protection.
Events live in ``State.sign_in_events`` (by sub, newest last, at most ``KEEP`` per user) as plain dicts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from . import moto_adapter as moto
from . import moto_tokens
from .core import Ext, Request
from .errors import CognitoError, invalid

Handler = Callable[[Ext, Request], Any]

KEEP = 200  # events kept per user (AWS keeps two years' worth; a local pool needs far fewer)
DEFAULT_PAGE = 60  # MaxResults 0 or missing: "Returns 60 events"
SIGN_IN_OPERATIONS = (
    "InitiateAuth",
    "AdminInitiateAuth",
    "RespondToAuthChallenge",
    "AdminRespondToAuthChallenge",
    "GetTokensFromRefreshToken",
)
# The API's ChallengeName values: Password and Mfa (device steps have none).
CHALLENGE_KIND = {
    "PASSWORD_VERIFIER": "Password",
    "SOFTWARE_TOKEN_MFA": "Mfa",
    "MFA_SETUP": "Mfa",
    "SMS_MFA": "Mfa",
    "EMAIL_OTP": "Mfa",
}
REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
# Calls made with a sign-in's Session that hand back a new one (MFA set-up): the event follows the Session.
SESSION_OPERATIONS = ("AssociateSoftwareToken", "VerifySoftwareToken")


def _events(ext: Ext) -> dict[str, list[dict[str, Any]]]:
    return ext.state.sign_in_events


def _pool_of(ext: Ext, body: dict[str, Any]) -> str:
    if isinstance(body.get("UserPoolId"), str):
        return body["UserPoolId"]
    client = moto.client_info(body.get("ClientId")) if isinstance(body.get("ClientId"), str) else None
    return client.pool_id if client is not None else ""


def _context(ext: Ext, req: Request, device_key: Any = None) -> dict[str, str]:
    """EventContextData: the client's IP (ContextData.IpAddress when the caller sent it) and the device."""
    sent = req.body.get("ContextData") or req.body.get("UserContextData") or {}
    ip = sent.get("IpAddress") if isinstance(sent, dict) else None
    context = {"IpAddress": ip if isinstance(ip, str) and ip else req.ip}
    device = ext.state.devices.get(device_key) if isinstance(device_key, str) else None
    if device is not None and device.name:
        context["DeviceName"] = device.name
    return {k: v for k, v in context.items() if v}


def _new(ext: Ext, sub: str, req: Request, device_key: Any = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "EventId": str(uuid.uuid4()),
        "EventType": "SignIn",
        "CreationDate": ext.now(),
        "EventResponse": "InProgress",
        "EventRisk": {"RiskDecision": "NoRisk", "CompromisedCredentialsDetected": False},
        "ChallengeResponses": [],
        "EventContextData": _context(ext, req, device_key),
    }
    kept = _events(ext).setdefault(sub, [])
    kept.append(event)
    del kept[:-KEEP]
    return event


def _settle(event: dict[str, Any], result: Any, failure: CognitoError | None) -> None:
    if failure is not None:
        event["EventResponse"] = "Fail"
        event.pop("_session", None)
    elif isinstance(result, dict) and result.get("AuthenticationResult"):
        event["EventResponse"] = "Pass"
        event.pop("_session", None)
    elif isinstance(result, dict) and result.get("Session"):
        event["EventResponse"] = "InProgress"
        event["_session"] = result["Session"]


def _challenge(event: dict[str, Any], kind: str | None, failure: CognitoError | None) -> None:
    if kind:
        outcome = "Failure" if failure is not None else "Success"
        event["ChallengeResponses"].append({"ChallengeName": kind, "ChallengeResponse": outcome})


def _wrong_password(failure: CognitoError | None) -> bool:
    return failure is not None and failure.code == "NotAuthorizedException" and "password" in failure.message


def _run(handler: Handler, ext: Ext, req: Request) -> tuple[Any, CognitoError | None]:
    try:
        return handler(ext, req), None
    except CognitoError as exc:
        return None, exc


def _initiate(handler: Handler, ext: Ext, req: Request) -> Any:
    body = req.body
    params = body.get("AuthParameters") or {}
    pool_id = _pool_of(ext, body)
    if body.get("AuthFlow") in REFRESH_FLOWS or req.operation == "GetTokensFromRefreshToken":
        token = params.get("REFRESH_TOKEN", body.get("RefreshToken"))
        owner = (
            moto_tokens.refresh_token_owner(pool_id, token) if pool_id and isinstance(token, str) else None
        )
        user = ext.user(pool_id, owner[1]) if owner else None
        device_key = params.get("DEVICE_KEY", body.get("DeviceKey"))
    else:
        user = ext.user(pool_id, params.get("USERNAME")) if pool_id else None
        device_key = params.get("DEVICE_KEY")
    result, failure = _run(handler, ext, req)
    if user is not None:
        event = _new(ext, user.sub, req, device_key)
        if body.get("AuthFlow") == "USER_SRP_AUTH" and failure is None:
            pass  # the password is proven by the PASSWORD_VERIFIER answer
        elif "PASSWORD" in params:
            _challenge(event, "Password", failure if _wrong_password(failure) else None)
        _settle(event, result, failure)
    if failure is not None:
        raise failure
    return result


def _pending(ext: Ext, body: dict[str, Any]) -> tuple[dict[str, Any] | None, Any]:
    """The event of the sign-in this answer continues (via its Session), and the session's device key."""
    session = ext.state.sessions.get(body.get("Session")) if isinstance(body.get("Session"), str) else None
    if session is None:
        return None, None
    for event in reversed(_events(ext).get(session.sub, [])):
        if event.get("_session") == session.id:
            return event, session.device_key
    return None, session.device_key


def _respond(handler: Handler, ext: Ext, req: Request) -> Any:
    body = req.body
    event, device_key = _pending(ext, body)
    answers = body.get("ChallengeResponses") or {}
    result, failure = _run(handler, ext, req)
    if event is not None:
        name = body.get("ChallengeName")
        _challenge(event, CHALLENGE_KIND.get(name), failure)
        key = answers.get("DEVICE_KEY") or device_key
        if name in ("DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER") and isinstance(key, str):
            event["EventContextData"].update(_context(ext, req, key))
        _settle(event, result, failure)
    if failure is not None:
        raise failure
    return result


def _follow(handler: Handler, ext: Ext, req: Request) -> Any:
    event, _device_key = _pending(ext, req.body)
    result = handler(ext, req)
    if event is not None and isinstance(result, dict) and result.get("Session"):
        event["_session"] = result["Session"]
    return result


def recording(handlers: dict[str, Handler]) -> dict[str, Handler]:
    """``handlers`` with the sign-in operations wrapped to log events, plus AdminListUserAuthEvents."""

    def wrap(operation: str, handler: Handler) -> Handler:
        if operation in SESSION_OPERATIONS:
            step = _follow
        elif "Respond" in operation:
            step = _respond
        else:
            step = _initiate
        return lambda ext, req: step(handler, ext, req)

    watched = SIGN_IN_OPERATIONS + SESSION_OPERATIONS
    wrapped = {name: wrap(name, h) if name in watched else h for name, h in handlers.items()}
    wrapped["AdminListUserAuthEvents"] = admin_list_user_auth_events
    return wrapped


# ---- serving ------------------------------------------------------------------------------------------
def threat_protection(ext: Ext, pool_id: str) -> bool:
    """False only when the pool's UserPoolAddOns.AdvancedSecurityMode is OFF (the local default is on)."""
    pool = ext.call("DescribeUserPool", pool_id, {"UserPoolId": pool_id}).get("UserPool") or {}
    mode = (pool.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "AUDIT")
    return mode != "OFF"


def admin_list_user_auth_events(ext: Ext, req: Request) -> dict[str, Any]:
    """AdminListUserAuthEvents: the user's events, newest first, ``MaxResults`` (0-60, 0 = 60) per page."""
    user = ext.admin_user(req.body)
    if not threat_protection(ext, user.pool_id):
        raise CognitoError(
            "UserPoolAddOnNotEnabledException",
            "Threat protection (advanced security) is not enabled for this user pool.",
        )
    size = req.body.get("MaxResults") or DEFAULT_PAGE
    if not isinstance(size, int) or not 0 < size <= DEFAULT_PAGE:
        raise invalid("MaxResults must be between 0 and 60.")
    newest_first = list(reversed(_events(ext).get(user.sub, [])))
    start = 0
    token = req.body.get("NextToken")
    if token is not None:
        ids = [event["EventId"] for event in newest_first]
        if token not in ids:
            raise invalid("The pagination token is not valid for this user.")
        start = ids.index(token)
    page = newest_first[start : start + size]
    answer: dict[str, Any] = {
        "AuthEvents": [{k: v for k, v in event.items() if not k.startswith("_")} for event in page]
    }
    if start + size < len(newest_first):
        answer["NextToken"] = newest_first[start + size]["EventId"]
    return answer
