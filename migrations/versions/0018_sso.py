"""Single sign-on: OpenID Connect providers, the identities they vouch for, the instance
beheerder and sessions whose second factor the provider checked

Revision ID: 0018_sso
Revises: 0017_job_runs
Create Date: 2026-12-06 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018_sso"
down_revision = "0017_job_runs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sso_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("domains", sa.String(length=1000), nullable=False),
        sa.Column("passwords_allowed", sa.Boolean(), nullable=False),
        sa.Column("auto_create", sa.Boolean(), nullable=False),
        sa.Column("mfa_acr_values", sa.String(length=1000), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_sso_provider_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_provider")),
        sa.UniqueConstraint("name", name=op.f("uq_sso_provider_name")),
    )
    op.create_table(
        "sso_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_sso_identity_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identity")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_sso_identity_issuer")),
    )
    op.create_index(op.f("ix_sso_identity_user_id"), "sso_identity", ["user_id"])
    # Plain ADD/DROP COLUMN (no table copy on SQLite, which other tables refer to).
    op.add_column(
        "user",
        sa.Column("instance_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "user_session",
        sa.Column("mfa_by_provider", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("user_session", "mfa_by_provider")
    op.drop_column("user", "instance_admin")
    op.drop_index(op.f("ix_sso_identity_user_id"), table_name="sso_identity")
    op.drop_table("sso_identity")
    op.drop_table("sso_provider")
