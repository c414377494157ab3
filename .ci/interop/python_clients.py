"""Generic Python OAuth2 clients against `paytoken mock`: requests-oauthlib (on oauthlib) and
Authlib, every client-authentication style they offer, for every provider.

Run by .ci/interop/run.mjs, which starts the mock and Prism and passes the endpoints in
INTEROP_ENDPOINTS (JSON). Prints one JSON line per case:
{"client", "provider", "style", "expect", "got"}; run.mjs compares and prints the table.

An outcome is "ok" (a token, and the token works on /protected; Moov: the refresh grant too),
"refused <status> <error>" (the token endpoint said no, with that status and error code), or
"client rejects <what>" (the endpoint answered 2xx and the client refused the answer).
"""

import json
import os
import sys
import urllib.parse

os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the mock is plain http on loopback

import requests  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession  # noqa: E402
from authlib.oauth2.rfc7523 import ClientSecretJWT, PrivateKeyJWT  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from oauthlib.oauth2 import BackendApplicationClient, WebApplicationClient  # noqa: E402
from requests_oauthlib import OAuth2Session  # noqa: E402

E = json.loads(os.environ["INTEROP_ENDPOINTS"])
MOCK = E["mock"]
# "moov-current" is Moov on a second mock answering as Moov's current document does.
PROVIDERS = list(E["token"])


def family(p):
    return p.replace("-current", "")


def mock_of(p):
    return E.get("mockOf", {}).get(p, MOCK)
REDIRECT = "https://miniapp.example.mn/callback"
SCOPE = {"moneygo": "api", "moneykit": "accounts:read", "moov": "/accounts.read", "mobifinance": None}
TIMEOUT = 120  # seconds: generous, since a loaded CI machine may pause any process


# The private key of private_key_jwt (RFC 7523): no provider has the client's public key.
CLIENT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def creds(p):
    return "demo-" + p, "demo-" + p + "-secret"


def new_code():
    r = requests.post(MOCK + "/_mock/mobifinance/codes", timeout=TIMEOUT,
                      json={"client_id": "demo-mobifinance", "redirect_uri": REDIRECT})
    r.raise_for_status()
    return r.json()["code"]


class Recorder:
    """Keeps the last token-endpoint answer a session saw."""

    def __init__(self, session):
        self.last = None
        session.hooks["response"].append(self.hook)

    def hook(self, r, *args, **kwargs):
        if "/_mock/" not in r.url and not r.url.endswith("/protected"):
            self.last = r


def refusal(resp):
    """'refused <status> <code>' from an error answer, in each provider's error shape."""
    code = "?"
    try:
        body = resp.json()
        code = body.get("error") or body.get("error_code") or "?"
    except ValueError:
        pass
    return "refused %d %s" % (resp.status_code, code)


def protected(token, provider, mock=MOCK):
    r = requests.get(mock + "/protected", headers={"Authorization": "Bearer " + token}, timeout=TIMEOUT)
    if r.status_code != 200:
        return "protected %d %s" % (r.status_code, r.headers.get("WWW-Authenticate", ""))
    if r.json().get("provider") != provider:
        return "protected: token of " + str(r.json().get("provider"))
    return "ok"


def outcome(provider, rec, fn, mock=MOCK):
    """Runs one token request through fn and classifies what happened."""
    try:
        tok = fn()
    except Exception as e:  # the client refused: classify by what the server said
        if rec.last is not None and rec.last.status_code >= 400:
            return refusal(rec.last)
        return "client rejects %s: %s" % (type(e).__name__, str(e)[:80])
    if rec.last is not None and rec.last.status_code >= 400:
        return refusal(rec.last)  # the client took an error answer for a token
    at = tok.get("access_token") if tok else None
    if not at:
        return "client rejects: no access_token in %r" % (tok,)
    return protected(at, provider, mock)


def session_call(s, got, mock=MOCK):
    """After a good token, the session itself calls the API with it, as an application would."""
    if got != "ok":
        return got
    try:
        r = s.get(mock + "/protected", timeout=TIMEOUT)
    except Exception as e:
        return "client rejects %s" % type(e).__name__
    return "ok" if r.status_code == 200 else "session protected %d" % r.status_code


def grants(provider, s, rec, mock, fetch, refresh):
    """One case's requests, the same for every client: the token from fetch, for Moov a
    refresh with refresh, then the session's own call of the protected endpoint."""
    got = outcome(provider, rec, fetch, mock)
    if got == "ok" and provider == "moov":
        got = outcome(provider, rec, refresh, mock)
        got = "ok" if got == "ok" else "refresh: " + got
    return session_call(s, got, mock)


def bearer_hook(r):
    """A compliance hook for Moov's seed shape: token_type "opaque" or "jwt", which oauthlib
    and Authlib will not send, while Moov's API wants the token as Bearer anyway."""
    try:
        body = r.json()
    except ValueError:
        return r
    if isinstance(body, dict) and body.get("token_type") in ("opaque", "jwt"):
        body["token_type"] = "Bearer"
        r._content = json.dumps(body).encode()
    return r


class JSONBody(requests.auth.AuthBase):
    """Turns the form body requests-oauthlib builds into the JSON body Money-Go takes."""

    def __call__(self, r):
        params = dict(urllib.parse.parse_qsl(r.body or ""))
        r.body = json.dumps(params).encode()
        r.headers["Content-Type"] = "application/json"
        r.headers["Content-Length"] = str(len(r.body))
        return r


# ---- requests-oauthlib -------------------------------------------------------------------

def ro_case(name, style):
    provider, mock = family(name), mock_of(name)
    cid, secret = creds(provider)
    url = E["token"][name]
    scope = [SCOPE[provider]] if SCOPE[provider] else None
    if provider == "mobifinance":
        s = OAuth2Session(client=WebApplicationClient(cid), redirect_uri=REDIRECT)
    else:
        s = OAuth2Session(client=BackendApplicationClient(cid), scope=scope)
    rec = Recorder(s)
    if style.endswith("+bearer-hook"):
        s.register_compliance_hook("access_token_response", bearer_hook)
        s.register_compliance_hook("refresh_token_response", bearer_hook)
        style = style.removesuffix("+bearer-hook")
    kw = {"timeout": TIMEOUT}
    if provider == "mobifinance":
        kw["code"] = new_code()
    else:  # the session's scope goes only into authorization URLs, not this grant
        kw["scope"] = SCOPE[provider]
    if style == "basic":  # the default: HTTPBasicAuth(client_id, client_secret)
        kw.update(client_id=cid, client_secret=secret)
    elif style == "body":
        kw.update(client_id=cid, client_secret=secret, include_client_id=True)
    elif style == "body+json":  # an auth hook rewrites the body as JSON
        kw.update(client_id=cid, client_secret=secret, include_client_id=True, auth=JSONBody())

    rkw = {"timeout": TIMEOUT}
    if style == "basic":
        rkw["auth"] = requests.auth.HTTPBasicAuth(cid, secret)
    else:
        rkw.update(client_id=cid, client_secret=secret)
    return grants(provider, s, rec, mock, lambda: s.fetch_token(url, **kw), lambda: s.refresh_token(url, **rkw))


RO_STYLES = ["basic", "body", "body+json", "basic+bearer-hook"]
# The outcomes other than "ok", per provider: style -> outcome, "*" for every style not named.
RO_EXPECT = {
    # Money-Go takes only a JSON body, with the credentials in it.
    "moneygo": {"*": "refused 400 invalid_request", "body+json": "ok"},
    # MoneyKit and MobiFinance take only a form body; MobiFinance the credentials only in it.
    "moneykit": {"body+json": "refused 400 api_error.auth.unauthorized"},
    "mobifinance": {"*": "refused 400 invalid_request", "body": "ok"},
    # Moov's seed document: token_type "opaque"; oauthlib adds only Bearer (and MAC) tokens.
    "moov": dict.fromkeys(("basic", "body", "body+json"), "client rejects ValueError"),
}


# ---- Authlib -----------------------------------------------------------------------------

def al_case(name, style):
    provider, mock = family(name), mock_of(name)
    cid, secret = creds(provider)
    url = E["token"][name]
    hook = style.endswith("+bearer-hook")
    style = style.removesuffix("+bearer-hook")
    if style == "private_key_jwt":
        secret = CLIENT_KEY
    s = AuthlibSession(cid, secret, token_endpoint_auth_method=style,
                       scope=SCOPE[provider], redirect_uri=REDIRECT if provider == "mobifinance" else None)
    if style == "client_secret_jwt":
        s.register_client_auth_method(ClientSecretJWT(url))
    if style == "private_key_jwt":
        s.register_client_auth_method(PrivateKeyJWT(url))
    if hook:
        s.register_compliance_hook("access_token_response", bearer_hook)
        s.register_compliance_hook("refresh_token_response", bearer_hook)
    rec = Recorder(s)
    if provider == "mobifinance":
        code = new_code()
        fn = lambda: s.fetch_token(url, grant_type="authorization_code", code=code, timeout=TIMEOUT)  # noqa: E731
    else:
        fn = lambda: s.fetch_token(url, grant_type="client_credentials", timeout=TIMEOUT)  # noqa: E731
    return grants(provider, s, rec, mock, fn, lambda: s.refresh_token(url, timeout=TIMEOUT))


AL_STYLES = ["client_secret_basic", "client_secret_post", "none", "client_secret_jwt", "private_key_jwt",
             "client_secret_basic+bearer-hook"]
# No provider takes a client without its secret, or a JWT client assertion (RFC 7523).
AL_NO_SECRET = ("none", "client_secret_jwt", "private_key_jwt")
AL_EXPECT = {  # as RO_EXPECT
    # Authlib posts a form: Money-Go refuses it.
    "moneygo": {"*": "refused 400 invalid_request"},
    "moneykit": dict.fromkeys(AL_NO_SECRET, "refused 401 api_error.auth.unauthorized"),
    # Moov's seed document: token_type "opaque"; Authlib uses only bearer tokens.
    "moov": {"client_secret_basic": "client rejects UnsupportedTokenTypeError",
             "client_secret_post": "client rejects UnsupportedTokenTypeError",
             **dict.fromkeys(AL_NO_SECRET, "refused 400 invalid_client")},
    "moov-current": dict.fromkeys(AL_NO_SECRET, "refused 400 invalid_client"),
    # MobiFinance takes the credentials only in the body.
    "mobifinance": {"*": "refused 400 invalid_request", "client_secret_post": "ok"},
}


def expected(expect, provider, style):
    e = expect.get(provider, {})
    return e.get(style, e.get("*", "ok"))

def main():
    for name, styles, expect, run in [
        ("requests-oauthlib", RO_STYLES, RO_EXPECT, ro_case),
        ("authlib", AL_STYLES, AL_EXPECT, al_case),
    ]:
        for p in PROVIDERS:
            for st in styles:
                try:
                    got = run(p, st)
                except Exception as e:  # a harness failure is a failed case, not a crash
                    got = "harness error %s: %s" % (type(e).__name__, e)
                print(json.dumps({"client": name, "provider": p, "style": st,
                                  "expect": expected(expect, p, st), "got": got}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
