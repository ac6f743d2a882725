"""A document's version numbers are unique

Revision ID: 0020_document_version_number
Revises: 0019_documents
Create Date: 2026-12-06 19:00:00

"""

from alembic import op

revision = "0020_document_version_number"
down_revision = "0019_documents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document_version", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_document_version_number", ["document_id", "number"])


def downgrade():
    with op.batch_alter_table("document_version", schema=None) as batch_op:
        batch_op.drop_constraint("uq_document_version_number", type_="unique")
