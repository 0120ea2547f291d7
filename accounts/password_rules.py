"""The portal's rules for new passwords, checked before Cognito is asked.

The pool's password policy (DescribeUserPool, cached per process) as sentences for the page
(``password_rules``) and as problems with a typed password (``password_problems``), plus what Cognito's
policy cannot see: common passwords and passwords like the person's own names (``PASSWORD_VALIDATORS``).
``new_password_problems`` combines them: the one rule set of the end-user forms (``accounts.forms``), the
staff "Set password" page and ``cognito_users set-password``. Cognito still has the last word.
"""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    UserAttributeSimilarityValidator,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.cognito import errors, pool_description
from accounts.cognito.descriptions import PasswordPolicy

# The characters Cognito counts as symbols in a password policy.
COGNITO_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def current_policy() -> PasswordPolicy | None:
    """The pool's password policy, or None when Cognito cannot be asked right now."""
    try:
        return pool_description().password_policy
    except errors.CognitoError:
        return None


def password_rules(policy: PasswordPolicy | None) -> list[str]:
    """The policy as short sentences for the page (shown before the user types)."""
    if policy is None:
        return []
    rules = [_("at least %(count)d characters") % {"count": policy.minimum_length}]
    if policy.require_uppercase:
        rules.append(_("an uppercase letter"))
    if policy.require_lowercase:
        rules.append(_("a lowercase letter"))
    if policy.require_numbers:
        rules.append(_("a number"))
    if policy.require_symbols:
        rules.append(_("a symbol such as ! ? # or -"))
    return rules


def password_problems(policy: PasswordPolicy | None, password: str) -> list[str]:
    """What ``password`` lacks under the pool's ``policy``, one sentence each ([]: nothing). Blanks at its
    edges are refused whatever the policy (Cognito's password pattern forbids them); with no ``policy``
    (unknown now) nothing else is checked."""
    problems = []
    if password != password.strip():
        problems.append(_("A password cannot start or end with a space."))
    if policy is None:
        return problems
    if len(password) < policy.minimum_length:
        problems.append(_("Use at least %(count)d characters.") % {"count": policy.minimum_length})
    if policy.require_uppercase and not any(c.isupper() for c in password):
        problems.append(_("Add an uppercase letter."))
    if policy.require_lowercase and not any(c.islower() for c in password):
        problems.append(_("Add a lowercase letter."))
    if policy.require_numbers and not any(c.isdigit() for c in password):
        problems.append(_("Add a number."))
    if policy.require_symbols and not any(c in COGNITO_SYMBOLS for c in password):
        problems.append(_("Add a symbol such as ! ? # or -."))
    return problems


class CommonPasswordVariantsValidator(CommonPasswordValidator):
    """Django's common-password list, also for the usual disguises of a listed password.

    Pool policies demand digits and symbols, so people write "Password123!": the list has "password123"
    and "password", not the decorated form. The password is also checked with its edge symbols, and with
    its trailing digits and symbols, taken off (when at least four letters remain).
    """

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower().strip()
        candidates = {
            lowered,
            lowered.strip("".join(COGNITO_SYMBOLS)),
            re.sub(r"[\d\W_]+$", "", re.sub(r"^[\W_]+", "", lowered)),
        }
        if any(len(candidate) >= 4 and candidate in self.passwords for candidate in candidates):
            raise ValidationError(
                _("This password is too common: it is among the first guesses of anyone trying to break in."),
                code="password_too_common",
            )


PERSON_NAME_FIELDS = ("username", "email", "preferred_username")


class NameInPasswordValidator:
    """Refuses a password containing the username, the email's local part or the preferred username (each
    of ``MINIMUM`` characters or more, case ignored): Django's similarity check compares whole strings, so
    "user006-Secret1!" passes it for user006 (ratio 0.6 < 0.7)."""

    MINIMUM = 4

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        lowered = password.casefold()
        for attribute in PERSON_NAME_FIELDS:
            value = str(getattr(user, attribute, "") or "")
            if attribute == "email":
                value = value.partition("@")[0]
            if len(value) >= self.MINIMUM and value.casefold() in lowered:
                raise ValidationError(
                    _("The password contains the %(name)s. Choose one without it.")
                    % {"name": user._meta.get_field(attribute).verbose_name},
                    code="password_contains_name",
                )


# Checked before Cognito is called (Cognito's policy knows character classes, not guessability).
PASSWORD_VALIDATORS = (
    CommonPasswordVariantsValidator(),
    UserAttributeSimilarityValidator(user_attributes=PERSON_NAME_FIELDS),
    NameInPasswordValidator(),
)


def password_guessability_problems(password: str, **names: str) -> list[str]:
    """Why ``password`` is easy to guess: a common password, or close to the person's own names."""
    from accounts.models import User  # an unsaved instance: the validator reads field names from _meta

    person = User(**{key: value for key, value in names.items() if value and key in PERSON_NAME_FIELDS})
    problems = []
    for validator in PASSWORD_VALIDATORS:
        try:
            validator.validate(password, person)
        except ValidationError as exc:
            problems.extend(exc.messages)
    return problems


def new_password_problems(password: str, policy: PasswordPolicy | None, **names: str) -> list[str]:
    """Every reason ``password`` cannot be a new password (empty: it can): blanks at its edges, the pool's
    ``policy`` (None: unknown now, Cognito checks), a common password, or one like the person's ``names``
    (``username``, ``email``, ``preferred_username``). The one rule set of the end-user forms, the staff
    "Set password" page and ``cognito_users set-password`` (typed and generated passwords alike)."""
    return password_problems(policy, password) + password_guessability_problems(password, **names)
