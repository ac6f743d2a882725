"""Mail-setting links: a random token per mail, stored hashed, expiring and revocable; the
address of the request that caused a notification, for the links in its mail

Revision ID: 0014_mail_links
Revises: 0012_review_tallies
Create Date: 2026-12-06 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_mail_links"
down_revision = "0013_fts_automerge"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_setting_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_mail_setting_link_partnership_id_partnership"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_mail_setting_link_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_setting_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_mail_setting_link_token_hash")),
    )
    op.create_index(
        op.f("ix_mail_setting_link_user_id"), "mail_setting_link", ["user_id"], unique=False
    )
    with op.batch_alter_table("notification") as batch_op:
        batch_op.add_column(sa.Column("link_base", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_column("link_base")
    op.drop_index(op.f("ix_mail_setting_link_user_id"), table_name="mail_setting_link")
    op.drop_table("mail_setting_link")
