"""The claims of the tokens localcognito hands out: moto mints them, this module makes them Cognito's.

Cognito's ID token carries ``cognito:username`` (the canonical username: a UUID in email-as-username
pools), ``sub`` and every attribute the app client may read, ``email_verified`` / ``phone_number_verified``
as JSON booleans (developer guide, "Attribute permissions and scopes": "The ID token ... only contains
claims corresponding to the readable attributes"). An app client without ReadAttributes reads
"email_verified, phone_number_verified, and the standard attributes of your user pool" (API reference,
CreateUserPoolClient.ReadAttributes). moto adds only the ReadAttributes it was given, and in
email-as-username pools writes the username into ``email``.
"""

from __future__ import annotations

from typing import Any

from . import moto_adapter as moto
from . import moto_tokens

BOOLEAN_CLAIMS = ("email_verified", "phone_number_verified")
# Claims moto may have put in the token from the user's attributes; recomputed here every time.
ATTRIBUTE_CLAIMS = tuple(a for a in moto.standard_attributes() if a != "sub")


def id_token_claims(client: moto.ClientInfo, user: moto.UserInfo) -> dict[str, Any]:
    """The attribute claims of ``user``'s ID token for ``client`` (plus ``cognito:username``)."""
    readable = client.read_attributes if client.read_attributes is not None else ATTRIBUTE_CLAIMS
    claims: dict[str, Any] = {}
    for name, value in user.attributes.items():
        if name == "sub" or name not in readable:
            continue
        claims[name] = (value == "true") if name in BOOLEAN_CLAIMS else value
    claims["cognito:username"] = user.username
    return claims


def fix_tokens(client: moto.ClientInfo, user: moto.UserInfo, result: dict[str, Any]) -> dict[str, Any]:
    """Rewrite the IdToken of an AuthenticationResult from moto with Cognito's claims; returns it."""
    token = result.get("IdToken")
    if isinstance(token, str) and token:
        claims = id_token_claims(client, user)
        custom = [name for name in user.attributes if name.startswith("custom:") and name not in claims]
        remove = [name for name in ATTRIBUTE_CLAIMS if name not in claims] + custom
        result["IdToken"] = moto_tokens.reissue_id_token(client.pool_id, token, claims, remove)
    return result
