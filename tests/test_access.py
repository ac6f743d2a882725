"""Every route declares who may use it; partnership routes refuse non-members."""

from app.policy import AUTHENTICATED, PERMISSIONS, PUBLIC

# Routes that anyone may open (login, static files, the health check...).
EXPECTED_PUBLIC = {
    "static",
    "site.healthz",
    "ops.readyz",
    # Authorised by a bearer token (SAMENSPEL_METRICS_TOKEN).
    "ops.metrics_page",
    "site.accessibility",
    "site.favicon",  # the icon at its conventional address
    "site.switch_language",
    "auth.login",
    "auth.login_code",  # the second step, only with a password checked minutes before
    "auth.sso_start",  # sends the browser to the identity provider of an e-mail domain
    "auth.sso_callback",  # the provider's answer, checked against the login's state
    "auth.forgot_password",
    "auth.reset_password",  # a mailed single-use token in the URL
    "auth.password_strength",  # judges a typed password; stores nothing
    "auth.accept_invitation",
    # Authorised by a secret token in the URL (mailed link, calendar subscription).
    "activity.mail_setting",
    "activity.calendar",
}


def test_every_route_declares_an_access_rule(app):
    missing, public = [], set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            public.add("static")
            continue
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "access_rule", None)
        if declared is None:
            missing.append(rule.rule)
        elif declared == PUBLIC:
            public.add(rule.endpoint)
        elif declared != AUTHENTICATED:
            assert declared.startswith("requires:"), rule.rule
            assert declared.removeprefix("requires:") in PERMISSIONS, rule.rule
            assert rule.rule.startswith("/p/<slug>/"), f"{rule.rule} checks a partnership role"
    assert missing == [], f"routes without a declared access rule: {missing}"
    assert public == EXPECTED_PUBLIC


def test_partnership_routes_sit_under_the_slug(app):
    for rule in app.url_map.iter_rules():
        declared = getattr(app.view_functions[rule.endpoint], "access_rule", "")
        if rule.rule.startswith("/p/"):
            assert declared.startswith("requires:"), rule.rule
