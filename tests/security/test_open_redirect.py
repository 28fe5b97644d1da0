"""Attack: an open redirect after sign-in. A link to ``/login?next=<somewhere else>`` sent to a member of staff
makes the real sign-in page forward them, signed in, to a phishing site (or, with CR/LF, breaks the answer
after the password was accepted). The safe answer: a redirect to a path of this site, else to ``/``."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.security.test_password_guessing import _attempt
from tests.security.test_sessions import _signed_in

# The query string as the attacker writes it -> what it tries.
HOSTILE = {
    "next=/%09/evil.example/phish": "a tab that the browser drops: //evil.example/phish",
    "next=/%0d%0aSet-Cookie:%20x=y": "CR/LF: a header of the attacker's, or a 500 after sign-in",
    "next=/%0a/evil.example": "a line feed that the browser drops",
    "next=//evil.example/phish": "a scheme-relative URL",
    "next=///evil.example/phish": "three slashes, which browsers read as two",
    "next=/%5Cevil.example": "a backslash, which browsers read as a slash: /\\evil.example",
    "next=%5C%5Cevil.example": "two backslashes",
    "next=https://evil.example/phish": "an absolute URL",
    "next=javascript:alert(1)": "a script URL",
    "next=%20//evil.example": "a leading space, which the browser strips",
    "next=/%7F/evil.example": "DEL, a control character",
    "next=/%E2%80%A8/evil.example": "a Unicode line separator",
    "next=evil.example": "not a path",
}


def _sign_in(client, query: str):
    return _attempt(client, "admin", PASSWORD, url=f"/login?{query}")


@pytest.mark.parametrize("query", sorted(HOSTILE))
def test_open_redirect_after_sign_in_goes_home(client, accounts, query):
    """Attack: POST /login?next=<another site, hidden by a tab, CR/LF, backslash or scheme>. Safe answer:
    signed in, redirected to / of this site."""
    response = _sign_in(client, query)
    assert response.status_code == 302, HOSTILE[query]
    assert response.headers["Location"] == "/", HOSTILE[query]
    assert _signed_in(client)  # the sign-in itself worked


def test_a_path_of_this_site_is_kept(client, accounts):
    """Not an attack: the page a stranger was sent away from (``next`` as the console writes it) is where
    sign-in leads back to, query included."""
    response = _sign_in(client, "next=/students?school%3DSCH29")
    assert response.status_code == 302 and response.headers["Location"] == "/students?school=SCH29"
