"""Password hashing: scrypt unless SAMENSPEL_PASSWORD_METHOD names another werkzeug method.

The other tests hash with a cheap method (tests/conftest.py); these use the app's default."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from app import create_app
from app.auth.models import PASSWORD_METHOD, User
from tests.conftest import PASSWORD, TEST_PASSWORD_METHOD, find, login


def test_the_default_method_is_scrypt():
    production = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert PASSWORD_METHOD == "scrypt"
    assert production.config["SAMENSPEL_PASSWORD_METHOD"] == "scrypt"
    with production.app_context():
        user = User(email="a@example.test", name="A")
        user.set_password(PASSWORD)
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert check_password_hash(user.password_hash, PASSWORD)
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "!")


def test_without_an_app_new_passwords_get_scrypt():
    user = User(email="b@example.test", name="B")
    user.set_password(PASSWORD)
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password(PASSWORD)


def test_the_configured_method_hashes_new_passwords(app):
    assert app.config["SAMENSPEL_PASSWORD_METHOD"] == TEST_PASSWORD_METHOD
    with app.app_context():
        user = User(email="c@example.test", name="C")
        user.set_password(PASSWORD)
    assert user.password_hash.startswith(TEST_PASSWORD_METHOD + "$")
    assert user.check_password(PASSWORD)
    assert not user.check_password("")


def test_a_scrypt_hash_still_logs_in_under_another_method(app, client, world):
    # The stored hash names its method: changing the setting leaves old passwords working.
    from app.extensions import db

    production = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with production.app_context():
        scrypt_user = User(email="d@example.test", name="D")
        scrypt_user.set_password(PASSWORD)
    with app.app_context():
        user = db.session.get(User, world.users["lezer"].id)
        user.password_hash = scrypt_user.password_hash
        db.session.commit()

    assert login(client, world.users["lezer"].email).status_code == 302
    assert client.get("/account").status_code == 200
    assert find(app, User, id=world.users["lezer"].id).password_hash.startswith("scrypt:")
