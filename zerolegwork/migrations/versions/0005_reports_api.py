"""Reports and data exchange: saved report definitions, project-report batches, API tokens, budget arrangements.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_api_token_created_by_id_user")),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_api_token_org_id_organisation")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_api_token_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_token_token_sha256")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)
    op.create_table(
        "report_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("project_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("job_ids", sa.JSON(), nullable=False),
        sa.Column("zip_queued", sa.Boolean(), nullable=False),
        sa.Column("zip_sha256", sa.String(length=64), nullable=True),
        sa.Column("zip_size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_report_batch_org_id_organisation")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"], name=op.f("fk_report_batch_requested_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_batch")),
    )
    with op.batch_alter_table("report_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_batch_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_batch_requested_by_id"), ["requested_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_batch_state"), ["state"], unique=False)
    op.create_table(
        "report_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_report_definition_org_id_organisation")),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_report_definition_owner_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_definition")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_report_definition_owner_id_name")),
    )
    with op.batch_alter_table("report_definition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_definition_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_definition_owner_id"), ["owner_id"], unique=False)
    op.create_table(
        "report_batch_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["report_batch.id"], name=op.f("fk_report_batch_item_batch_id_report_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_batch_item")),
        sa.UniqueConstraint("batch_id", "project_id", name=op.f("uq_report_batch_item_batch_id_project_id")),
    )
    with op.batch_alter_table("report_batch_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_batch_item_batch_id"), ["batch_id"], unique=False)
    op.create_table(
        "budget_arrangement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("arranged_on", sa.Date(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["api_token.id"], name=op.f("fk_budget_arrangement_imported_by_id_api_token")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_budget_arrangement_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_arrangement")),
        sa.UniqueConstraint(
            "project_id", "year", "document_no", name=op.f("uq_budget_arrangement_project_id_year_document_no")
        ),
    )
    with op.batch_alter_table("budget_arrangement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_arrangement_project_id"), ["project_id"], unique=False)


def downgrade():
    with op.batch_alter_table("budget_arrangement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_arrangement_project_id"))
    op.drop_table("budget_arrangement")
    with op.batch_alter_table("report_batch_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_batch_item_batch_id"))
    op.drop_table("report_batch_item")
    with op.batch_alter_table("report_definition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_definition_owner_id"))
        batch_op.drop_index(batch_op.f("ix_report_definition_org_id"))
    op.drop_table("report_definition")
    with op.batch_alter_table("report_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_batch_state"))
        batch_op.drop_index(batch_op.f("ix_report_batch_requested_by_id"))
        batch_op.drop_index(batch_op.f("ix_report_batch_org_id"))
    op.drop_table("report_batch")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_api_token_org_id"))
    op.drop_table("api_token")
