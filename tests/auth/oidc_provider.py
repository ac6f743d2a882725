"""A small but real OpenID Connect provider for the tests, served on loopback.

It speaks the protocol over HTTP as Entra ID or Keycloak do: discovery, JWKS, an
authorization endpoint (which consents at once for the configured person), a token
endpoint (client secret, single-use codes, PKCE S256 checked) issuing RS256 ID tokens
signed with joserfc (Authlib's JOSE library), and RP-initiated logout. Switches in
``faults`` make it misbehave the way a broken or hostile provider would."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

CLIENT_ID = "samenspel-test"
CLIENT_SECRET = "s3cret-of-the-test-client"  # noqa: S105 (the test provider's own)


@dataclass
class Provider:
    issuer: str = ""
    person: dict = field(default_factory=dict)  # the claims of who "logs in"
    faults: set = field(default_factory=set)
    amr: list | None = None
    acr: str | None = None
    codes: dict = field(default_factory=dict)
    token_requests: int = 0
    logouts: list = field(default_factory=list)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    other_key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"})
    )

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": "someone-else" if "wrong_audience" in self.faults else CLIENT_ID,
            "iat": now - 7200 if "expired" in self.faults else now,
            "exp": now - 3600 if "expired" in self.faults else now + 300,
            "nonce": "not-the-nonce" if "wrong_nonce" in self.faults else nonce,
            **self.person,
        }
        if self.amr is not None:
            claims["amr"] = self.amr
        if self.acr is not None:
            claims["acr"] = self.acr
        signer = self.other_key if "wrong_key" in self.faults else self.key
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, signer)
        if "tampered" in self.faults:  # change the payload, keep the signature
            head, payload, signature = token.split(".")
            data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            data = data.replace(b'"sub":"', b'"sub":"x')
            payload = base64.urlsafe_b64encode(data).rstrip(b"=").decode()
            token = f"{head}.{payload}.{signature}"
        return token


def create_provider_app(provider: Provider) -> Flask:
    app = Flask("oidc_test_provider")

    @app.get("/.well-known/openid-configuration")
    def discovery():
        if "nonsense" in provider.faults:
            return "<html>Service unavailable</html>", 200
        return jsonify(
            issuer=provider.issuer,
            authorization_endpoint=provider.issuer + "/authorize",
            token_endpoint=provider.issuer + "/token",
            jwks_uri=provider.issuer + "/jwks",
            end_session_endpoint=provider.issuer + "/logout",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(KeySet([provider.key]).as_dict(private=False))

    @app.get("/authorize")
    def authorize():
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
            abort(400)
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            abort(400)  # this provider insists on PKCE
        if "openid" not in args.get("scope", "").split() or not args.get("nonce"):
            abort(400)
        code = secrets.token_urlsafe(24)
        provider.codes[code] = {
            "nonce": args["nonce"],
            "challenge": args["code_challenge"],
            "redirect_uri": args["redirect_uri"],
            "used": False,
            "login_hint": args.get("login_hint", ""),
        }
        return redirect(
            args["redirect_uri"] + "?" + urlencode({"code": code, "state": args["state"]})
        )

    @app.post("/token")
    def token():
        provider.token_requests += 1
        form = request.form
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return jsonify(error="invalid_client"), 401
        grant = provider.codes.get(form.get("code", ""))
        if grant is None or grant["used"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return jsonify(error="invalid_grant"), 400
        grant["used"] = True  # a code works once
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
            return jsonify(error="invalid_grant", error_description="PKCE"), 400
        return jsonify(
            access_token=secrets.token_urlsafe(16),
            token_type="Bearer",
            expires_in=300,
            id_token=provider.id_token(grant["nonce"]),
        )

    @app.get("/logout")
    def logout():
        provider.logouts.append(dict(request.args))
        return redirect(request.args["post_logout_redirect_uri"])

    return app


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def running_provider(person: dict) -> Iterator[Provider]:
    """A provider on a free port of 127.0.0.1, in a thread, for one test."""
    provider = Provider(person=dict(person))
    server = make_server(
        "127.0.0.1", 0, create_provider_app(provider), threaded=True, request_handler=_Quiet
    )
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
