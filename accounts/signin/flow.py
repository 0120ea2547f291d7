"""The sign-in controller: the password step, answering challenges, remembered devices, finishing.

Modelled on django-allauth's login stages (``allauth/account/stages.py``): ``SignInFlow`` keeps the pending
sign-in in the session (``state.PendingSignIn``); each challenge with a page is a ``stages.Stage`` in the
registry, and ``advance`` is "registered stage → go there, else unsupported". Remembered devices are
answered here without a page (DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER).

Identity (DESIGN §8): the typed name is used for AdminInitiateAuth only; every answer carries the
canonical username Cognito returned (``USER_ID_FOR_SRP`` / the challenge's ``USERNAME``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts import devices
from accounts.cognito import errors, get_idp
from accounts.cognito.srp import DeviceSrpClient, SrpError, new_device_verifier
from accounts.cognito.types import AuthResult, AuthTokens, Challenge
from accounts.models import RememberedDevice, User
from accounts.signin import state
from accounts.signin.stages import STAGES, stage_url
from accounts.signin.state import PendingSignIn
from accounts.signin.steps import GENERIC_FAILURE, Kind, Step, safe_next

logger = logging.getLogger("accounts.signin.stages")

_FAILED_SIGN_IN = (
    errors.NotAuthorized,
    errors.UserNotFound,
    errors.TooManyFailedAttempts,
    errors.LimitExceeded,
)


class SignInFlow:
    """One request's handle on the sign-in pipeline."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.idp = get_idp()
        self._remove: list[str] = []  # device-cookie entries to drop
        self._add = ""  # a device-cookie entry to add
        self._device_used: devices.DeviceSecret | None = None
        self._dropped: set[str] = set()  # records not to use in this sign-in (dropped, or not this user's)
        self.notes: list[str] = []  # sentences for the one success message at the end

    # -- the pending sign-in -----------------------------------------------------------------------------
    def pending(self, challenge: str, *, posted: bool = False) -> PendingSignIn | Step:
        """The pending sign-in waiting for ``challenge``, or the Step that sends the user back.

        ``posted``: a form of that stage was sent. A form whose sign-in is over or has moved on (in
        another tab or window, or through Back) is never answered; the person is told so on the page
        they are sent to, never with another stage's or account's message.
        """
        pending = state.load_pending(self.request.session)
        user = self.request.user
        if pending is None:
            if posted and user.is_authenticated:
                messages.info(
                    self.request,
                    _("That sign-in step is over: you are signed in as %(name)s. Nothing was sent.")
                    % {"name": user.display_name},
                )
                return Step(Kind.SIGNED_IN, url=reverse(settings.LOGIN_REDIRECT_URL))
            return Step(Kind.RESTART, message=_("Start by entering your username and password."))
        if pending.expired:
            state.clear_pending(self.request.session)
            return Step(Kind.RESTART, message=expired_message(pending))
        if pending.challenge != challenge:
            if pending.challenge in STAGES:
                if posted:
                    messages.info(
                        self.request,
                        _(
                            "The page you sent was out of date: this sign-in has moved on (perhaps in "
                            "another tab or window). Nothing was sent: continue here."
                        ),
                    )
                return Step(Kind.STAGE, url=stage_url(pending.challenge), challenge=pending.challenge)
            state.clear_pending(self.request.session)
            return Step(Kind.RESTART, message=_("Start by entering your username and password."))
        return pending

    def cancel(self) -> None:
        state.clear_pending(self.request.session)

    # -- the password step -------------------------------------------------------------------------------
    @sensitive_variables("password")
    def start(self, typed_name: str, password: str, next_url: str) -> Step:
        """Check the password with Cognito, answering a remembered device's challenge on the way."""
        state.clear_pending(self.request.session)
        cookie = devices.device_for_sign_in(self.request, typed_name)
        self._remove.extend(cookie.stale)
        if cookie.expired_record is not None:
            self._forget_expired(cookie.expired_record)
        secret = cookie.secret
        try:
            result = self._initiate(typed_name, password, secret)
            if isinstance(result, Challenge) and result.name == "DEVICE_SRP_AUTH":
                if secret is None or secret.record_id in self._dropped:
                    return self._unsupported(result.name)
                try:
                    result = self._device_srp(result, secret, typed_name)
                except (errors.NotAuthorized, errors.ResourceNotFound, SrpError):
                    # Cognito forgot the device, or it no longer matches what this browser holds.
                    self._drop_device(secret)
                    result = self.idp.admin_initiate_auth(typed_name, password)
        except _FAILED_SIGN_IN:
            return self._with_cookies(Step(Kind.FAILED, message=str(GENERIC_FAILURE)))
        except errors.UserNotConfirmed:
            return self._with_cookies(Step(Kind.UNCONFIRMED))
        except errors.PasswordResetRequired:
            return self._with_cookies(Step(Kind.RESET_REQUIRED))
        if secret is not None and secret.record_id not in self._dropped:
            self._device_used = secret
        return self.advance(result, next_url=next_url, typed_name=typed_name)

    @sensitive_variables("password")
    def _initiate(self, typed_name: str, password: str, secret: devices.DeviceSecret | None) -> AuthResult:
        if secret is None:
            return self.idp.admin_initiate_auth(typed_name, password)
        try:
            return self.idp.admin_initiate_auth(typed_name, password, device_key=secret.device_key)
        except errors.ResourceNotFound:
            # "Device does not exist" for the user Cognito found by this name. Usually the device was
            # forgotten (staff, another browser); but the portal's copy of the names may be out of date,
            # so drop the record only when the name really finds the record's user (their sub).
            if self._found_sub(typed_name) == secret.user_sub:
                self._drop_device(secret)
            else:
                logger.info(
                    "A typed name found another user than remembered record %s: kept.", secret.record_id
                )
                self._dropped.add(secret.record_id)  # not used in this sign-in, but left intact
            return self.idp.admin_initiate_auth(typed_name, password)

    def _found_sub(self, typed_name: str) -> str | None:
        """The sub of the user Cognito finds by ``typed_name`` (AdminGetUser), or None when it cannot say."""
        try:
            return self.idp.admin_get_user(typed_name).sub or None
        except errors.CognitoError:
            return None

    @sensitive_variables("secret", "client", "responses")
    def _device_srp(
        self, challenge: Challenge, secret: devices.DeviceSecret, fallback_name: str
    ) -> AuthResult:
        client = DeviceSrpClient(secret.device_key, secret.device_group_key, secret.device_password)
        answer_as = challenge.username or fallback_name
        result = self.idp.admin_respond_to_auth_challenge(
            "DEVICE_SRP_AUTH",
            challenge.session,
            answer_as,
            {"DEVICE_KEY": secret.device_key, "SRP_A": client.srp_a},
        )
        if not (isinstance(result, Challenge) and result.name == "DEVICE_PASSWORD_VERIFIER"):
            return result
        answer_as = result.username or answer_as
        # Computed just before the call: Cognito checks the TIMESTAMP against its clock.
        responses = client.password_verifier_responses(result.parameters)
        return self.idp.admin_respond_to_auth_challenge(
            "DEVICE_PASSWORD_VERIFIER", result.session, answer_as, responses
        )

    def _drop_device(self, secret: devices.DeviceSecret) -> None:
        logger.info("Dropping remembered device record %s: Cognito no longer accepts it.", secret.record_id)
        devices.drop(secret.record_id)
        self._dropped.add(secret.record_id)
        if secret.cookie_entry:
            self._remove.append(secret.cookie_entry)

    def _forget_expired(self, record: RememberedDevice) -> None:
        # Cognito never expires remembered devices itself: the portal ends the trust period.
        try:
            self.idp.admin_forget_device(record.user.username, record.device_key)
        except errors.CognitoError as exc:
            logger.info("Could not forget expired device in Cognito: %s", exc.code)
        record.delete()

    # -- answering a stage -------------------------------------------------------------------------------
    def respond(self, pending: PendingSignIn, responses: dict[str, str], *, remember: bool = False) -> Step:
        """Answer the pending challenge as the canonical username; raises Cognito's errors to the stage."""
        result = self.idp.admin_respond_to_auth_challenge(
            pending.challenge, pending.session, pending.username, responses
        )
        return self.advance(result, next_url=pending.next_url, remember=remember, pending=pending)

    def wrong_code(self, pending: PendingSignIn, message: str | None = None) -> Step:
        """Count a wrong code (atomically); the third one ends the pending sign-in."""
        attempts = state.count_wrong_code(pending)
        if attempts >= state.MAX_CODE_ATTEMPTS:
            step = self.restart(_("Too many wrong codes. Please sign in again."))
        else:
            step = Step(
                Kind.WRONG_CODE,
                message=message or _("That code is not correct. Try again."),
                challenge=pending.challenge,
                field="code",
            )
        step.code_failed = True
        return step

    def restart(self, message: str | None = None) -> Step:
        state.clear_pending(self.request.session)
        return self._with_cookies(
            Step(
                Kind.RESTART,
                message=message or _("Your sign-in took too long and has expired. Please sign in again."),
            )
        )

    def _unsupported(self, challenge: str) -> Step:
        state.clear_pending(self.request.session)
        logger.warning("Sign-in stopped at an unsupported challenge: %s", challenge)
        return self._with_cookies(Step(Kind.UNSUPPORTED, challenge=challenge))

    # -- moving on ---------------------------------------------------------------------------------------
    def advance(
        self,
        result: AuthResult,
        *,
        next_url: str,
        remember: bool = False,
        pending: PendingSignIn | None = None,
        typed_name: str = "",
    ) -> Step:
        """Tokens → finish; DEVICE_SRP_AUTH → answer it; a registered stage → its page; else unsupported."""
        if isinstance(result, AuthTokens):
            return self._finish(
                result,
                next_url=next_url,
                remember=remember,
                sent_device_key=pending.device_key if pending else "",
            )
        if result.name == "DEVICE_SRP_AUTH":
            return self._device_after_code(result, next_url=next_url, remember=remember, pending=pending)
        stage = STAGES.get(result.name)
        if stage is None or not stage.accepts(result):
            return self._unsupported(result.name)
        if pending is None:
            # The canonical username Cognito wants in every answer; never the typed alias.
            username = result.username or typed_name
            pending = state.new_pending(
                username, result.name, result.session, result.parameters, next_url, typed_name=typed_name
            )
            pending.device_key = self._device_used.device_key if self._device_used else ""
        else:
            pending.username = result.username or pending.username
            pending.renew(result.name, result.session, result.parameters)
        state.save_pending(self.request.session, pending)
        return self._with_cookies(Step(Kind.STAGE, url=stage_url(result.name), challenge=result.name))

    def _device_after_code(
        self, result: Challenge, *, next_url: str, remember: bool, pending: PendingSignIn | None
    ) -> Step:
        # Some pools ask for the device after the code (a tracked device that is not remembered).
        typed_name = pending.typed_name if pending else ""
        cookie = devices.device_for_sign_in(self.request, typed_name)
        if cookie.secret is None or cookie.secret.device_key != (pending.device_key if pending else ""):
            return self._unsupported(result.name)
        try:
            answered = self._device_srp(result, cookie.secret, pending.username if pending else "")
        except (errors.NotAuthorized, errors.ResourceNotFound, SrpError):
            self._drop_device(cookie.secret)
            return self.restart(_("Please sign in again."))
        self._device_used = cookie.secret
        return self.advance(answered, next_url=next_url, remember=remember, pending=pending)

    def _finish(
        self, tokens: AuthTokens, *, next_url: str, remember: bool, sent_device_key: str = ""
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
            self.notes.append(_("This browser is remembered, so no code was needed."))
        greeting = _("Welcome, %(name)s. You are signed in.") % {"name": user.display_name}
        messages.success(self.request, " ".join([greeting, *self.notes]))
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
            self._forget_half_remembered(tokens.access_token, new.device_key)
            messages.warning(
                self.request,
                _("We could not remember this browser, so you will be asked for a code next time."),
            )
            return ""
        # One entry per account in this browser: a newer device replaces the account's older records.
        mine = RememberedDevice.objects.filter(user=user, pk__in=devices.cookie_record_ids(self.request))
        old_ids = {str(record_id) for record_id in mine.values_list("pk", flat=True)}
        self._remove.extend(e for e in devices.cookie_entries(self.request) if e.partition(".")[0] in old_ids)
        mine.delete()
        _record_id, self._add = devices.remember(
            user, new.device_key, new.device_group_key, verifier.password
        )
        self.notes.append(_("This browser is now remembered: next time you only need your password."))
        return new.device_key

    def _forget_half_remembered(self, access_token: str, device_key: str) -> None:
        """ConfirmDevice or UpdateDeviceStatus failed (perhaps after taking effect): leave no orphan
        device in Cognito that this browser cannot use."""
        try:
            self.idp.forget_device(access_token, device_key)
        except errors.ResourceNotFound:
            pass
        except errors.CognitoError as exc:
            logger.warning("Could not forget a half-remembered device: %s", exc.code)

    def _with_cookies(self, step: Step) -> Step:
        step.cookie = devices.updated_cookie(self.request, remove=self._remove, add=self._add)
        return step


def expired_message(pending: PendingSignIn) -> str:
    """What to say when a pending sign-in ran out of time (the MFA set-up key is then dead)."""
    if pending.challenge == "MFA_SETUP" and pending.totp_secret:
        return _(
            "Your sign-in took too long and has expired. The key you may have added to your "
            "authenticator app is no longer valid: delete that entry from the app, sign in again "
            "and scan the new QR code."
        )
    return _("Your sign-in took too long and has expired. Please sign in again.")
