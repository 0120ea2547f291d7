"""The sign-in controller: the password step, one stage per Cognito challenge, and finishing the sign-in.

Modelled on django-allauth's login stages: ``SignInFlow`` keeps the pending sign-in in the session
(``state.PendingSignIn``) and each challenge has its own URL, form and handler here. Views call one method
and turn the returned ``Step`` into a redirect or a page. Remembered devices are answered automatically
(DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER); a device Cognito no longer knows is dropped and the
sign-in falls back to the authenticator code.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.parse
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from accounts import devices
from accounts.cognito import errors, get_idp
from accounts.cognito.srp import DeviceSrpClient, SrpError, new_device_verifier
from accounts.cognito.types import AuthResult, AuthTokens, Challenge
from accounts.models import User
from accounts.signin import state
from accounts.signin.state import PendingSignIn

logger = logging.getLogger(__name__)

# Challenges with a page of their own; DEVICE_SRP_AUTH is answered without one.
STAGE_URLS = {
    "NEW_PASSWORD_REQUIRED": "accounts:new_password",
    "MFA_SETUP": "accounts:mfa_setup",
    "SOFTWARE_TOKEN_MFA": "accounts:mfa",
}
DEVICE_CHALLENGES = ("DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER")
# A TOTP code that worked is refused for this long (Cognito accepts codes ±30 s; a replay must not).
USED_CODE_SECONDS = 120

GENERIC_FAILURE = gettext_lazy(
    "Incorrect username or password, or this account can't sign in right now. "
    "Try again or reset your password."
)


class Kind(Enum):
    SIGNED_IN = "signed_in"
    STAGE = "stage"  # go to the page of the next challenge
    FAILED = "failed"  # generic sign-in failure (no enumeration)
    WRONG_CODE = "wrong_code"  # stay on the stage page; the user may try again
    INVALID_PASSWORD = "invalid_password"  # noqa: S105 - the new password was refused; show the reason
    UNCONFIRMED = "unconfirmed"
    RESET_REQUIRED = "reset_required"
    RESTART = "restart"  # the pending sign-in is gone (expired, too many codes): back to the password
    UNSUPPORTED = "unsupported"


@dataclass
class Step:
    """What a view should do next, plus any change to the device cookie."""

    kind: Kind
    url: str = ""
    message: str = ""
    challenge: str = ""
    set_device_cookie: str = ""
    drop_device_cookie: bool = False
    code_failed: bool = False  # a wrong code was given (counts against the rate limits)

    def apply_cookies(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if self.set_device_cookie:
            devices.set_cookie(response, self.set_device_cookie, secure=request.is_secure())
        elif self.drop_device_cookie:
            devices.delete_cookie(response)
        return response


def safe_next(request: HttpRequest, url: str | None) -> str:
    """``url`` when it is a path on this site, else ''. Checked again before every redirect.

    Stricter than Django's check alone: only site-relative paths are kept, and the URL must still be
    safe once percent-decoded (``/%09/evil.example`` becomes ``//evil.example`` in a lenient parser).
    """
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    allowed = {request.get_host()}
    secure = request.is_secure()
    decoded = urllib.parse.unquote(url)
    if any(ord(char) < 32 or char == "\\" for char in decoded) or decoded.startswith("//"):
        return ""
    if url_has_allowed_host_and_scheme(
        url, allowed, require_https=secure
    ) and url_has_allowed_host_and_scheme(decoded, allowed, require_https=secure):
        return url
    return ""


def _code_digest(username: str, code: str) -> str:
    return hashlib.sha256(f"{username.casefold()}\x00{code}".encode()).hexdigest()[:32]


class SignInFlow:
    """One request's handle on the sign-in pipeline."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.idp = get_idp()
        self._cookie_change: dict[str, object] = {}
        self._device_used: devices.DeviceSecret | None = None
        self._dropped: set[str] = set()  # records found stale during this request

    # -- the pending sign-in -----------------------------------------------------------------------------
    def pending(self, challenge: str) -> PendingSignIn | Step:
        """The pending sign-in waiting for ``challenge``, or the Step that sends the user back."""
        pending = state.load_pending(self.request.session)
        if pending is None:
            return Step(Kind.RESTART, message=_("Start by entering your username and password."))
        if pending.expired:
            state.clear_pending(self.request.session)
            return Step(
                Kind.RESTART, message=_("Your sign-in took too long and has expired. Please sign in again.")
            )
        if pending.challenge != challenge:
            if pending.challenge in STAGE_URLS:
                return Step(
                    Kind.STAGE, url=reverse(STAGE_URLS[pending.challenge]), challenge=pending.challenge
                )
            state.clear_pending(self.request.session)
            return Step(Kind.RESTART, message=_("Start by entering your username and password."))
        return pending

    def cancel(self) -> None:
        state.clear_pending(self.request.session)

    # -- the password step -------------------------------------------------------------------------------
    @sensitive_variables("password")
    def start(self, username: str, password: str, next_url: str) -> Step:
        """Check the password with Cognito, answering a remembered device's challenge on the way."""
        state.clear_pending(self.request.session)
        cookie = devices.device_for_sign_in(self.request, username)
        if cookie.expired_record is not None:
            self._forget_expired(cookie.expired_record)
        if cookie.stale:
            self._cookie_change["drop"] = True
        secret = cookie.secret
        try:
            result = self._initiate(username, password, secret)
            if isinstance(result, Challenge) and result.name == "DEVICE_SRP_AUTH":
                if secret is None:
                    return self._unsupported(result.name)
                try:
                    result = self._device_srp(username, result, secret)
                except (errors.NotAuthorized, errors.ResourceNotFound, SrpError):
                    # Cognito forgot the device, or it no longer matches what this browser holds.
                    self._drop_device(secret)
                    secret = None
                    result = self.idp.admin_initiate_auth(username, password)
        except (
            errors.NotAuthorized,
            errors.UserNotFound,
            errors.TooManyFailedAttempts,
            errors.LimitExceeded,
        ):
            return self._with_cookies(Step(Kind.FAILED, message=str(GENERIC_FAILURE)))
        except errors.UserNotConfirmed:
            return self._with_cookies(Step(Kind.UNCONFIRMED))
        except errors.PasswordResetRequired:
            return self._with_cookies(Step(Kind.RESET_REQUIRED))
        if secret is not None and secret.record_id not in self._dropped:
            self._device_used = secret
        return self._advance(username, result, next_url=next_url, remember=False)

    @sensitive_variables("password")
    def _initiate(self, username: str, password: str, secret: devices.DeviceSecret | None) -> AuthResult:
        if secret is None:
            return self.idp.admin_initiate_auth(username, password)
        try:
            return self.idp.admin_initiate_auth(username, password, device_key=secret.device_key)
        except errors.ResourceNotFound:
            # "Device does not exist": forgotten in Cognito (staff, another browser). Sign in without it.
            self._drop_device(secret)
            return self.idp.admin_initiate_auth(username, password)

    @sensitive_variables("secret", "client", "responses")
    def _device_srp(self, username: str, challenge: Challenge, secret: devices.DeviceSecret) -> AuthResult:
        client = DeviceSrpClient(secret.device_key, secret.device_group_key, secret.device_password)
        answer_as = challenge.parameters.get("USERNAME") or username
        result = self.idp.admin_respond_to_auth_challenge(
            "DEVICE_SRP_AUTH",
            challenge.session,
            answer_as,
            {"DEVICE_KEY": secret.device_key, "SRP_A": client.srp_a},
        )
        if not (isinstance(result, Challenge) and result.name == "DEVICE_PASSWORD_VERIFIER"):
            return result
        answer_as = result.parameters.get("USERNAME") or answer_as
        # Computed just before the call: Cognito checks the TIMESTAMP against its clock.
        responses = client.password_verifier_responses(result.parameters)
        return self.idp.admin_respond_to_auth_challenge(
            "DEVICE_PASSWORD_VERIFIER", result.session, answer_as, responses
        )

    def _drop_device(self, secret: devices.DeviceSecret) -> None:
        logger.info("Dropping remembered device record %s: Cognito no longer accepts it.", secret.record_id)
        devices.drop(secret.record_id)
        self._dropped.add(secret.record_id)
        self._cookie_change["drop"] = True

    def _forget_expired(self, record) -> None:
        # Cognito never expires remembered devices itself: the portal ends the trust period.
        try:
            self.idp.admin_forget_device(record.user.username, record.device_key)
        except errors.CognitoError as exc:
            logger.info("Could not forget expired device in Cognito: %s", exc.code)
        record.delete()

    # -- the stages --------------------------------------------------------------------------------------
    @sensitive_variables("new_password")
    def answer_new_password(self, pending: PendingSignIn, new_password: str) -> Step:
        try:
            result = self.idp.admin_respond_to_auth_challenge(
                "NEW_PASSWORD_REQUIRED", pending.session, pending.username, {"NEW_PASSWORD": new_password}
            )
        except errors.InvalidPassword as exc:
            return Step(Kind.INVALID_PASSWORD, message=exc.user_message)
        except errors.InvalidParameter:
            return Step(Kind.INVALID_PASSWORD, message=_("This password can't be used. Choose another one."))
        except errors.NotAuthorized:
            return self._restart()
        return self._advance(
            pending.username, result, next_url=pending.next_url, remember=False, pending=pending
        )

    def totp_setup(self, pending: PendingSignIn) -> str:
        """The new authenticator key for this sign-in (asks Cognito once per pending sign-in)."""
        if not pending.totp_secret:
            setup = self.idp.associate_software_token(session=pending.session)
            # The key waits in the server-side session, sealed (never in a hidden field, never logged),
            # until the code is verified, so a mistyped code re-renders the same QR code: calling
            # AssociateSoftwareToken again would replace the key the user has just scanned and make them
            # scan again. It is removed as soon as the set-up succeeds or the pending sign-in ends.
            pending.totp_session = setup.session or pending.session
            pending.totp_secret = setup.secret_code
            state.save_pending(self.request.session, pending)
        return pending.totp_secret

    def verify_totp_setup(self, pending: PendingSignIn, code: str, *, remember: bool) -> Step:
        if not pending.totp_session:
            return Step(Kind.STAGE, url=reverse("accounts:mfa_setup"), challenge="MFA_SETUP")
        try:
            verified = self.idp.verify_software_token(
                code, session=pending.totp_session, friendly_name=settings.PORTAL_SITE_NAME[:60]
            )
            if not verified.ok:
                raise errors.CodeMismatch("Status ERROR", code="CodeMismatchException")
        except (errors.CodeMismatch, errors.ExpiredCode, errors.InvalidParameter):
            return self._wrong_code(pending)
        except errors.NotAuthorized:
            return self._restart()
        pending.totp_secret = ""
        state.save_pending(self.request.session, pending)
        try:
            result = self.idp.admin_respond_to_auth_challenge(
                "MFA_SETUP", verified.session or "", pending.username
            )
        except errors.NotAuthorized:
            return self._restart(
                _("Your authenticator app is set up, but the sign-in expired. Sign in again with a code.")
            )
        self._mark_code_used(pending.username, code)
        return self._advance(
            pending.username, result, next_url=pending.next_url, remember=remember, pending=pending
        )

    def answer_totp(self, pending: PendingSignIn, code: str, *, remember: bool) -> Step:
        if cache.get(f"totp-used:{_code_digest(pending.username, code)}"):
            return self._wrong_code(pending, _("That code has just been used. Wait for the next one."))
        try:
            result = self.idp.admin_respond_to_auth_challenge(
                "SOFTWARE_TOKEN_MFA", pending.session, pending.username, {"SOFTWARE_TOKEN_MFA_CODE": code}
            )
        except errors.ExpiredCode:
            return self._wrong_code(
                pending, _("That code has expired or was used already. Wait for the next one.")
            )
        except (errors.CodeMismatch, errors.InvalidParameter):
            return self._wrong_code(pending)
        except errors.NotAuthorized:
            # Cognito ends the challenge after too many wrong codes or when its session expires.
            return self._restart()
        self._mark_code_used(pending.username, code)
        return self._advance(
            pending.username, result, next_url=pending.next_url, remember=remember, pending=pending
        )

    def _mark_code_used(self, username: str, code: str) -> None:
        cache.set(f"totp-used:{_code_digest(username, code)}", 1, USED_CODE_SECONDS)

    def _wrong_code(self, pending: PendingSignIn, message: str | None = None) -> Step:
        pending.attempts += 1
        if pending.attempts >= state.MAX_CODE_ATTEMPTS:
            step = self._restart(_("Too many wrong codes. Please sign in again."))
        else:
            state.save_pending(self.request.session, pending)
            step = Step(
                Kind.WRONG_CODE,
                message=message or _("That code is not correct. Check your authenticator app and try again."),
                challenge=pending.challenge,
            )
        step.code_failed = True
        return step

    def _restart(self, message: str | None = None) -> Step:
        state.clear_pending(self.request.session)
        return Step(
            Kind.RESTART,
            message=message or _("Your sign-in took too long and has expired. Please sign in again."),
        )

    def _unsupported(self, challenge: str) -> Step:
        state.clear_pending(self.request.session)
        logger.warning("Sign-in stopped at an unsupported challenge: %s", challenge)
        return self._with_cookies(Step(Kind.UNSUPPORTED, challenge=challenge))

    # -- moving on ---------------------------------------------------------------------------------------
    def _advance(
        self,
        username: str,
        result: AuthResult,
        *,
        next_url: str,
        remember: bool,
        pending: PendingSignIn | None = None,
    ) -> Step:
        if isinstance(result, AuthTokens):
            return self._finish(
                username,
                result,
                next_url=next_url,
                remember=remember,
                sent_device_key=pending.device_key if pending else "",
            )
        if result.name == "DEVICE_SRP_AUTH":
            # Some pools ask for the device after the code (a tracked device that is not remembered).
            cookie = devices.device_for_sign_in(self.request, username)
            if cookie.secret is None or cookie.secret.device_key != (pending.device_key if pending else ""):
                return self._unsupported(result.name)
            try:
                result = self._device_srp(username, result, cookie.secret)
            except (errors.NotAuthorized, errors.ResourceNotFound, SrpError):
                self._drop_device(cookie.secret)
                return self._with_cookies(self._restart(_("Please sign in again.")))
            self._device_used = cookie.secret
            return self._advance(username, result, next_url=next_url, remember=remember, pending=pending)
        if result.name not in STAGE_URLS:
            return self._unsupported(result.name)
        if (
            result.name == "MFA_SETUP"
            and result.mfas_can_setup
            and "SOFTWARE_TOKEN_MFA" not in result.mfas_can_setup
        ):
            return self._unsupported(result.name)
        if result.name == "NEW_PASSWORD_REQUIRED" and result.json_parameter("requiredAttributes"):
            # The pool wants profile attributes this site does not collect: stop before anything changes.
            return self._unsupported(result.name)
        if pending is None:
            pending = state.new_pending(username, result.name, result.session, result.parameters, next_url)
            pending.device_key = self._device_used.device_key if self._device_used else ""
        else:
            pending.renew(result.name, result.session, result.parameters)
        state.save_pending(self.request.session, pending)
        return self._with_cookies(
            Step(Kind.STAGE, url=reverse(STAGE_URLS[result.name]), challenge=result.name)
        )

    def _finish(
        self, username: str, tokens: AuthTokens, *, next_url: str, remember: bool, sent_device_key: str = ""
    ) -> Step:
        """Tokens: verify them, sign the mirror user in, and remember this browser if asked to."""
        user = authenticate(self.request, cognito_tokens=tokens)
        if user is None:
            state.clear_pending(self.request.session)
            return self._with_cookies(Step(Kind.FAILED, message=str(GENERIC_FAILURE)))
        # The refresh token is bound to the device key the sign-in sent, so the session keeps it.
        device_key = sent_device_key
        used = self._device_used
        if used is not None:
            devices.mark_used(used.record_id)
            device_key = used.device_key
        elif remember and tokens.new_device is not None:
            device_key = self._remember_device(user, tokens)
        state.clear_pending(self.request.session)
        login(self.request, user)  # a new session key: the pre-login key is worthless now
        state.store_tokens(self.request.session, user.username, tokens, device_key=device_key)
        if used is not None:
            messages.success(
                self.request,
                _("Welcome back, %(name)s. This browser is remembered, so no code was needed.")
                % {"name": user.username},
            )
        else:
            messages.success(
                self.request, _("Welcome, %(name)s. You are signed in.") % {"name": user.username}
            )
        target = safe_next(self.request, next_url) or reverse(settings.LOGIN_REDIRECT_URL)
        return self._with_cookies(Step(Kind.SIGNED_IN, url=target))

    @sensitive_variables("verifier")
    def _remember_device(self, user: User, tokens: AuthTokens) -> str:
        new = tokens.new_device
        assert new is not None
        verifier = new_device_verifier(new.device_group_key, new.device_key)
        try:
            needs_status = self.idp.confirm_device(
                tokens.access_token,
                new.device_key,
                verifier=verifier.verifier_b64,
                salt=verifier.salt_b64,
                device_name=devices.device_name(self.request),
            )
            if needs_status:
                # User opt-in pools confirm without remembering: the user ticked the box, so remember it.
                self.idp.update_device_status(tokens.access_token, new.device_key, remembered=True)
        except errors.CognitoError as exc:
            logger.warning("Could not remember the device: %s", exc.code or exc.__class__.__name__)
            messages.warning(
                self.request,
                _("We could not remember this browser, so you will be asked for a code next time."),
            )
            return ""
        _record_id, cookie_value = devices.remember(
            user, new.device_key, new.device_group_key, verifier.password
        )
        self._cookie_change["set"] = cookie_value
        messages.info(
            self.request, _("This browser is now remembered: next time you only need your password.")
        )
        return new.device_key

    def _with_cookies(self, step: Step) -> Step:
        if self._cookie_change.get("set"):
            step.set_device_cookie = str(self._cookie_change["set"])
        elif self._cookie_change.get("drop"):
            step.drop_device_cookie = True
        return step
