"""Single sign-on with OpenID Connect (authorization code flow with PKCE, Authlib).

A provider (SsoProvider) serves one or more e-mail domains. The login page sends an
address of such a domain to the provider; its answer comes back at /login/sso/callback,
where the code is exchanged over the back channel and the ID token is checked against the
provider's JWKS (signature, iss, aud, exp, nonce). The person is matched by verified
e-mail address, then by the provider's `sub` (kept from the first login); an unknown person
is refused unless the provider may create accounts (without any membership)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select

from app.activity.services import record
from app.auth.models import SsoIdentity, SsoProvider, User, normalise_email
from app.errors import ServiceError
from app.extensions import db
from app.partnerships.models import Organisation

TIMEOUT_SECONDS = 8
LEEWAY_SECONDS = 60
SCOPE = "openid email profile"
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class ProviderUnavailable(ServiceError):
    """The provider cannot be reached or answers something that is not OpenID Connect."""

    status = 502


class LoginRefused(ServiceError):
    """The provider's answer is not acceptable (state, code, token) or the person has no
    account here."""

    status = 403


# --- the secret ---------------------------------------------------------------------


def _fernet() -> Fernet:
    key = current_app.config.get("SAMENSPEL_SSO_KEY", "")
    if not key:
        raise ServiceError(
            _l("SAMENSPEL_SSO_KEY is not set: single sign-on secrets cannot be stored.")
        )
    try:
        return Fernet(key.encode())
    except ValueError as error:
        raise ServiceError(_l("SAMENSPEL_SSO_KEY is not a valid key.")) from error


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(provider: SsoProvider) -> str:
    try:
        return _fernet().decrypt(provider.client_secret_encrypted.encode()).decode()
    except InvalidToken as error:
        raise ProviderUnavailable(
            _l("The sign-in of %(name)s is not configured correctly.", name=provider.name)
        ) from error


def new_key() -> str:
    return Fernet.generate_key().decode()


# --- configuration ------------------------------------------------------------------


def domain_of(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def provider_for_email(email: str) -> SsoProvider | None:
    domain = domain_of(email)
    if not domain:
        return None
    for provider in db.session.execute(select(SsoProvider)).scalars():
        if domain in provider.domain_list:
            return provider
    return None


def any_provider() -> bool:
    return db.session.execute(select(SsoProvider.id).limit(1)).first() is not None


def providers() -> list[SsoProvider]:
    return list(db.session.execute(select(SsoProvider).order_by(SsoProvider.name)).scalars())


def _clean_domains(domains: str, provider_id: int | None) -> str:
    found = []
    for domain in re.split(r"[\s,;]+", domains.strip().lower()):
        if not domain:
            continue
        domain = domain.lstrip("@")
        if not DOMAIN.match(domain):
            raise ServiceError(_l("%(domain)s is not an e-mail domain.", domain=domain), "domains")
        if domain not in found:
            found.append(domain)
    if not found:
        raise ServiceError(_l("Enter at least one e-mail domain."), "domains")
    for other in providers():
        if other.id != provider_id and set(found) & set(other.domain_list):
            raise ServiceError(
                _l("A domain of this list already signs in through %(name)s.", name=other.name),
                "domains",
            )
    return " ".join(found)


def _clean_issuer(issuer: str) -> str:
    issuer = issuer.strip().rstrip("/")
    local = issuer.startswith(("http://127.0.0.1", "http://localhost"))
    if not (issuer.startswith("https://") or local) or len(issuer) > 500 or " " in issuer:
        raise ServiceError(_l("Enter the issuer as an https:// address."), "issuer")
    return issuer


def add_provider(
    *,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    domains: str,
    passwords_allowed: bool = False,
    auto_create: bool = False,
    mfa_acr_values: str = "",
    organisation_id: int | None = None,
    actor: User | None = None,
) -> SsoProvider:
    name = name.strip()
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    if db.session.execute(select(SsoProvider).where(SsoProvider.name == name)).first():
        raise ServiceError(_l("A provider with this name exists already."), "name")
    if not client_id.strip():
        raise ServiceError(_l("Enter the client id."), "client_id")
    if not client_secret:
        raise ServiceError(_l("Enter the client secret."), "client_secret")
    if organisation_id is not None and db.session.get(Organisation, organisation_id) is None:
        raise ServiceError(_l("Choose an organisation."), "organisation")
    provider = SsoProvider(
        name=name,
        issuer=_clean_issuer(issuer),
        client_id=client_id.strip(),
        client_secret_encrypted=encrypt_secret(client_secret),
        domains=_clean_domains(domains, None),
        passwords_allowed=passwords_allowed,
        auto_create=auto_create,
        mfa_acr_values=" ".join(mfa_acr_values.split()),
        organisation_id=organisation_id,
    )
    db.session.add(provider)
    db.session.flush()
    record("create", provider, changes={}, actor_id=actor.id if actor else None)
    db.session.commit()
    return provider


def remove_provider(provider: SsoProvider, actor: User | None = None) -> None:
    record("delete", provider, changes={}, actor_id=actor.id if actor else None)
    db.session.delete(provider)
    db.session.commit()


# --- the flow -----------------------------------------------------------------------


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("sso: %s did not answer usefully: %s", url, error)
        raise ProviderUnavailable(_l("The sign-in service of your organisation cannot be reached or gave an answer we do not understand. Try again later.")) from error  # fmt: skip
    if not isinstance(data, dict):
        raise ProviderUnavailable(_l("The sign-in service of your organisation cannot be reached or gave an answer we do not understand. Try again later."))  # fmt: skip
    return data


def metadata(provider: SsoProvider) -> dict:
    """The provider's discovery document, checked to be about this issuer."""
    data = _get_json(provider.issuer + "/.well-known/openid-configuration")
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if any(not isinstance(data.get(key), str) for key in needed) or (
        data["issuer"].rstrip("/") != provider.issuer
    ):
        current_app.logger.warning("sso: discovery of %s is not usable", provider.issuer)
        raise ProviderUnavailable(_l("The sign-in service of your organisation cannot be reached or gave an answer we do not understand. Try again later."))  # fmt: skip
    return data


def _client(provider: SsoProvider, redirect_uri: str, secret: str = "") -> OAuth2Session:
    return OAuth2Session(
        provider.client_id,
        secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",  # noqa: S106 (a method name)
    )


@dataclass
class Started:
    url: str
    state: dict  # kept in the Flask session until the provider answers


def start(provider: SsoProvider, redirect_uri: str, email: str = "") -> Started:
    """The provider's authorization URL, with a fresh state, nonce and PKCE verifier."""
    meta = metadata(provider)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)
    extra = {"login_hint": email} if email else {}
    url, _ = _client(provider, redirect_uri).create_authorization_url(
        meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier, **extra
    )
    return Started(
        url=url,
        state={"provider": provider.id, "state": state, "nonce": nonce, "verifier": verifier},
    )


@dataclass
class Result:
    user: User
    provider: SsoProvider
    mfa: bool
    id_token: str
    end_session_endpoint: str


def _refuse(message, reason: str, *args) -> LoginRefused:
    current_app.logger.warning("sso: login refused: " + reason, *args)
    return LoginRefused(message)


def finish(pending: dict | None, args: dict, redirect_uri: str) -> Result:
    """Check the provider's answer against the pending login and return who signed in."""
    refused = _l("Logging in through your organisation did not succeed. Try again.")
    if not isinstance(pending, dict) or not pending.get("state"):
        raise _refuse(refused, "no login was started in this browser")
    if not secrets.compare_digest(str(args.get("state", "")), pending["state"]):
        raise _refuse(refused, "the state does not match")
    provider = db.session.get(SsoProvider, pending.get("provider"))
    if provider is None:
        raise _refuse(refused, "the provider was removed")
    if args.get("error"):
        raise _refuse(refused, "the provider answered %s", str(args.get("error"))[:100])
    code = str(args.get("code", ""))
    if not code or len(code) > 2000:
        raise _refuse(refused, "no code")
    meta = metadata(provider)
    client = _client(provider, redirect_uri, decrypt_secret(provider))
    try:
        token = client.fetch_token(
            meta["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=pending["verifier"],
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        current_app.logger.warning("sso: token endpoint of %s: %s", provider.issuer, error)
        raise ProviderUnavailable(_l("The sign-in service of your organisation cannot be reached or gave an answer we do not understand. Try again later.")) from error  # fmt: skip
    except (AuthlibBaseError, ValueError) as error:
        raise _refuse(refused, "the token endpoint refused the code: %s", error) from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise _refuse(refused, "no ID token")
    claims = verify_id_token(provider, meta, id_token, pending["nonce"])
    user = match_user(provider, claims)
    amr = claims.get("amr") or []
    mfa = (isinstance(amr, list) and "mfa" in amr) or (
        bool(claims.get("acr")) and claims.get("acr") in provider.acr_list
    )
    return Result(
        user=user,
        provider=provider,
        mfa=bool(mfa),
        id_token=id_token,
        end_session_endpoint=str(meta.get("end_session_endpoint") or ""),
    )


def verify_id_token(provider: SsoProvider, meta: dict, id_token: str, nonce: str) -> dict:
    """The claims of an ID token signed with a key of the provider's JWKS, for this
    client, from this issuer, not expired, with this login's nonce; else LoginRefused."""
    refused = _l("Logging in through your organisation did not succeed. Try again.")
    jwks = _get_json(meta["jwks_uri"])
    try:
        keys = KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ProviderUnavailable(_l("The sign-in service of your organisation cannot be reached or gave an answer we do not understand. Try again later.")) from error  # fmt: skip
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": provider.client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
        claims = token.claims
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise _refuse(refused, "ID token of %s rejected: %s", provider.issuer, error) from error
    audiences = claims.get("aud")
    if (
        isinstance(audiences, list)
        and len(audiences) > 1
        and claims.get("azp") != provider.client_id
    ):
        raise _refuse(refused, "ID token of %s for other audiences", provider.issuer)
    return dict(claims)


def match_user(provider: SsoProvider, claims: dict) -> User:
    """The account for these claims: by verified e-mail address of an allowed domain, then
    by the stored sub; created (without memberships) when the provider may; else refused."""
    issuer, subject = provider.issuer, str(claims["sub"])[:255]
    email = claims.get("email")
    # Entra ID sends no email_verified; its optional claim xms_edov says the same: the
    # owner of the address's domain verified it.
    verified = isinstance(email, str) and (
        claims.get("email_verified") is True or claims.get("xms_edov") in (True, "1", "true")
    )
    email = normalise_email(email) if verified else ""
    if email and domain_of(email) not in provider.domain_list:
        email = ""  # a provider vouches only for its own domains
    user = None
    if email:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    identity = db.session.execute(
        select(SsoIdentity).where(SsoIdentity.issuer == issuer, SsoIdentity.subject == subject)
    ).scalar_one_or_none()
    if user is None and identity is not None:
        user = identity.user
    if user is None:
        if not (provider.auto_create and email):
            current_app.logger.warning("sso: no account for a person of %s", provider.name)
            raise LoginRefused(
                _l(
                    "You have no Samenspel account yet. A beheerder of your partnership can "
                    "invite you; after that you log in here through your organisation."
                )
            )
        name = claims.get("name") if isinstance(claims.get("name"), str) else ""
        user = User(email=email, name=(name or email).strip()[:200], session_token="")
        db.session.add(user)
        db.session.flush()
        record("create", user, changes={}, actor_id=user.id)
    if not user.active:
        raise _refuse(_l("This account cannot log in."), "account %s is not active", user.id)
    if identity is None:
        db.session.add(SsoIdentity(user_id=user.id, issuer=issuer, subject=subject))
    elif identity.user_id != user.id:
        raise _refuse(
            _l("This account is linked to another person of your organisation."),
            "sub of %s belongs to user %s, e-mail to user %s",
            provider.name,
            identity.user_id,
            user.id,
        )
    db.session.commit()
    return user


def end_session_url(endpoint: str, id_token: str, post_logout_redirect_uri: str) -> str:
    """The provider's logout address (RP-initiated logout), back to us afterwards."""
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": post_logout_redirect_uri}
    )
    return endpoint + ("&" if "?" in endpoint else "?") + query
