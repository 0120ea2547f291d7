"""The local mailbox page: what localcognito sent, newest first; only in local mode."""

import pytest

from accounts.cognito.idp import CognitoIdentityProvider


@pytest.mark.django_db
def test_mailbox_lists_codes_newest_first(cognito, client):
    cognito.admin.sign_up(
        ClientId=cognito.settings.client_id,
        Username="ann",
        Password="Correct-Horse-42!",
        UserAttributes=[{"Name": "email", "Value": "ann@example.com"}],
        SecretHash=CognitoIdentityProvider(
            user_pool_id=cognito.pool_id,
            client_id=cognito.settings.client_id,
            client_secret=cognito.settings.client_secret,
        ).secret_hash("ann"),
    )
    cognito.create_user("bob")
    cognito.admin.admin_reset_user_password(UserPoolId=cognito.pool_id, Username="bob")
    cognito.admin.admin_create_user(
        UserPoolId=cognito.pool_id,
        Username="cy",
        UserAttributes=[{"Name": "email", "Value": "cy@example.com"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    response = client.get("/local/mailbox/")
    body = response.content.decode()
    assert response.status_code == 200
    assert cognito.last_message("cy", "invitation")["temporary_password"] in body
    assert response["Cache-Control"].startswith("max-age=0")
    assert cognito.last_code("ann") in body and cognito.last_code("bob") in body
    assert body.index(cognito.last_code("bob")) < body.index(cognito.last_code("ann"))


@pytest.mark.django_db
def test_mailbox_is_not_there_outside_local_mode(cognito, client, settings):
    settings.LOCAL_COGNITO = False
    assert client.get("/local/mailbox/").status_code == 404


@pytest.mark.django_db
def test_mailbox_never_asks_a_remote_endpoint(client, settings):
    settings.LOCAL_COGNITO = True
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1.evil.example:9229"
    response = client.get("/local/mailbox/")
    assert response.status_code == 200
    assert "did not answer" in response.content.decode()


@pytest.mark.django_db
def test_mailbox_shows_times_as_people_read_them_in_the_portals_time_zone(cognito, client, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    cognito.create_user("dee")
    cognito.admin.admin_reset_user_password(UserPoolId=cognito.pool_id, Username="dee")
    sent = cognito.last_message("dee")["time"]  # ISO 8601 in UTC, with microseconds
    body = client.get("/local/mailbox/").content.decode()

    from datetime import datetime
    from zoneinfo import ZoneInfo

    local = datetime.fromisoformat(sent).astimezone(ZoneInfo("Europe/Berlin"))
    assert local.strftime("%H:%M:%S") in body
    assert f'datetime="{local.replace(microsecond=0).isoformat()}"' in body
    assert sent not in body and f".{datetime.fromisoformat(sent).microsecond:06d}" not in body
    assert "(Europe/Berlin)" in body


@pytest.mark.django_db
def test_mailbox_marks_a_code_replaced_by_a_newer_one(cognito, client):
    cognito.create_user("eve")
    cognito.create_user("fox")
    for username in ("eve", "eve", "fox"):
        cognito.admin.admin_reset_user_password(UserPoolId=cognito.pool_id, Username=username)
    codes = [m["code"] for m in cognito.outbox() if m["username"] == "eve"]
    body = client.get("/local/mailbox/").content.decode()

    rows = {
        code: row
        for row in body.split("<tr")[1:]
        for code in [*codes, cognito.last_code("fox")]
        if code in row
    }
    assert "superseded" in rows[codes[0]] and "no longer valid" in rows[codes[0]]
    assert "superseded" not in rows[codes[1]]
    assert "superseded" not in rows[cognito.last_code("fox")]  # another user's code is its own
