"""The user list's markup for narrow columns (issue #14 follow-up M2; the browser test measures the layout):
addresses wrap after @ and dots, MFA by short names with the full name for screen readers and in a title,
dates compact with the full time and zone kept, and a denser table with three or more optional columns."""

from __future__ import annotations

import re

import pytest

from accounts.cognito import get_idp

pytestmark = pytest.mark.django_db

LIST = "/admin/cognito/users/"
ALL = ["given_name", "family_name", "phone_number", "groups", "mfa"]


def test_cells_of_every_optional_column(cognito, staff_client):
    cognito.create_user("ann", email="ann.smith@example.com", attributes={"phone_number": "+491701234567"})
    cognito.enrol_totp("ann")
    body = staff_client.get(LIST, {"set_columns": "1", "columns": ALL}).content.decode()
    assert '<table id="result_list" class="cognito-dense">' in body
    assert '<td class="field-email">ann.<wbr>smith@<wbr>example.<wbr>com</td>' in body
    assert "+49<wbr>1701234567" in body
    mfa = re.search(r'<td class="field-optional field-mfa">(.*?)</td>', body).group(1)
    assert mfa == (
        '<span title="SOFTWARE_TOKEN_MFA" aria-hidden="true">TOTP</span>'
        '<span class="visually-hidden">SOFTWARE_TOKEN_MFA</span>'
    )
    created = get_idp().admin_get_user("ann").created
    stamp = f"{created:%Y-%m-%d %H:%M} UTC"
    cell = re.search(r'<td class="field-created">(.*?)</td>', body).group(1)
    assert f'title="{stamp}"' in cell and f">{created:%Y-}<wbr>{created:%m-%d}<" in cell


def test_the_default_columns_keep_the_plain_table(cognito, staff_client):
    cognito.create_user("ann")
    body = staff_client.get(LIST, {"set_columns": "1"}).content.decode()
    assert '<table id="result_list">' in body
