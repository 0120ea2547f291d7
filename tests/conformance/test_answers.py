"""Who may answer a challenge: the real username (USER_ID_FOR_SRP) or the sub, never the typed alias.

The portal's gateway sends the canonical username in every ChallengeResponses (issue #9 item 4; the
RespondToAuthChallenge reference asks for the username Cognito returned). localcognito holds answers to that
rule so that a regression in the portal fails in the suite; whether a real pool also refuses an alias is not
established here, so this pin is local-only.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import Cog, error_code, totp
from .identity_helpers import person


@pytest.mark.parametrize("cog", ["default", "public"], indirect=True)
def test_an_alias_in_a_challenge_answer_is_refused_and_the_real_username_accepted(local: Cog) -> None:
    who = person(local, "Answer" + local.name(), preferred="ans" + local.name())
    first = local.admin_auth(who.email)  # signing in by the alias is fine
    assert first["ChallengeName"] == "MFA_SETUP"
    assert first["ChallengeParameters"]["USER_ID_FOR_SRP"] == who.username
    assoc = local.idp.associate_software_token(Session=first["Session"])
    verified = local.idp.verify_software_token(Session=assoc["Session"], UserCode=totp(assoc["SecretCode"]))
    with pytest.raises(ClientError) as refused:
        local.respond("MFA_SETUP", verified["Session"], who.email)  # the typed alias, as the portal once did
    assert error_code(refused) == "NotAuthorizedException"
    done = local.respond("MFA_SETUP", verified["Session"], who.username.upper())  # case-insensitive pool
    assert done["AuthenticationResult"]["AccessToken"]
