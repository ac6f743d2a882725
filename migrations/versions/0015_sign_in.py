"""Sign-in: server-side sessions, password resets, two-factor authentication (TOTP and
recovery codes), atomic attempt counters in place of the failed-login rows, and the
partnership setting that requires two-factor authentication

Revision ID: 0015_sign_in
Revises: 0012_review_tallies
Create Date: 2026-12-06 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_sign_in"
down_revision = "0014_mail_links"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("browser", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_session_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_password_reset_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
    )
    op.create_index(op.f("ix_password_reset_user_id"), "password_reset", ["user_id"], unique=False)
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_recovery_code_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    op.create_index(op.f("ix_recovery_code_user_id"), "recovery_code", ["user_id"], unique=False)
    op.create_table(
        "auth_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_auth_throttle")),
    )
    op.drop_table("login_attempt")  # its indexes go with it
    # Plain ALTER TABLE … ADD/DROP COLUMN (SQLite 3.35+ and PostgreSQL): no copy of the
    # table, which SQLite could not drop while other tables' rows refer to it.
    op.add_column(
        "user", sa.Column("totp_secret", sa.String(length=64), nullable=False, server_default="")
    )
    op.add_column("user", sa.Column("totp_enabled_at", sa.DateTime(), nullable=True))
    op.add_column("user", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.add_column(
        "partnership",
        sa.Column("require_two_factor", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # Account mails have no partnership. SQLite cannot drop NOT NULL in place: the table
    # is copied, with foreign keys off so notifications' references do not stop the copy
    # (the pragma takes effect when no transaction is open yet, as for `flask db upgrade`).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.alter_column("partnership_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Account mails go; on SQLite partnership_id stays nullable (making it NOT NULL again
    # would copy the table while notifications refer to it).
    op.execute("DELETE FROM outgoing_mail WHERE partnership_id IS NULL")
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "outgoing_mail", "partnership_id", existing_type=sa.Integer(), nullable=False
        )
    op.drop_column("partnership", "require_two_factor")
    op.drop_column("user", "totp_last_step")
    op.drop_column("user", "totp_enabled_at")
    op.drop_column("user", "totp_secret")
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempt_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempt_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempt_address"), ["address"], unique=False)
    op.drop_table("auth_throttle")
    op.drop_index(op.f("ix_recovery_code_user_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    op.drop_index(op.f("ix_password_reset_user_id"), table_name="password_reset")
    op.drop_table("password_reset")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
