"""The project library, the eight processes' records, evidence files, construction log, agencies.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "blob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blob")),
        sa.UniqueConstraint("sha256", name=op.f("uq_blob_sha256")),
    )
    op.create_table(
        "project_code_counter",
        sa.Column("key", sa.String(length=12), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_project_code_counter")),
    )
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_saved_filter_org_id_organisation")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_saved_filter_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filter")),
    )
    with op.batch_alter_table("saved_filter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_filter_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_saved_filter_user_id"), ["user_id"], unique=False)
    op.create_table(
        "acceptance",
        sa.Column("acceptance_type", sa.String(length=20), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=False),
        sa.Column("organiser", sa.String(length=200), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_acceptance_actor_id_user")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_acceptance_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acceptance")),
    )
    with op.batch_alter_table("acceptance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acceptance_acceptance_type"), ["acceptance_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_acceptance_accepted_on"), ["accepted_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_acceptance_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_acceptance_result"), ["result"], unique=False)
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=60), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_attachment_org_id_organisation")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_attachment_project_id_project")),
        sa.ForeignKeyConstraint(["sha256"], ["blob.sha256"], name=op.f("fk_attachment_sha256_blob")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"], name=op.f("fk_attachment_uploaded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("project_id", "slot", "version", name=op.f("uq_attachment_project_id_slot_version")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_sha256"), ["sha256"], unique=False)
    op.create_table(
        "contract",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("contract_type", sa.String(length=20), nullable=False),
        sa.Column("party_a", sa.String(length=200), nullable=False),
        sa.Column("party_b", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_contract_actor_id_user")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_contract_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract")),
    )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_contract_type"), ["contract_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_signed_on"), ["signed_on"], unique=False)
    op.create_table(
        "engagement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["organisation.id"], name=op.f("fk_engagement_agency_id_organisation")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_engagement_created_by_id_user")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_engagement_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement")),
        sa.UniqueConstraint(
            "project_id", "agency_id", "service_type", name=op.f("uq_engagement_project_id_agency_id_service_type")
        ),
    )
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_engagement_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_engagement_project_id"), ["project_id"], unique=False)
    op.create_table(
        "investment_plan",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=False),
        sa.Column("construction_cost", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("equipment_cost", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("other_cost", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("contingency", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_investment_plan_actor_id_user")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_investment_plan_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investment_plan")),
        sa.UniqueConstraint("project_id", "version", name=op.f("uq_investment_plan_project_id_version")),
    )
    with op.batch_alter_table("investment_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investment_plan_project_id"), ["project_id"], unique=False)
    op.create_table(
        "log_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("text", sa.String(length=5000), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], name=op.f("fk_log_entry_author_id_user")),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_log_entry_org_id_organisation")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_log_entry_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_entry")),
    )
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_entry_project_id"), ["project_id"], unique=False)
    op.create_table(
        "performance_evaluation",
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("use_of_results", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_performance_evaluation_actor_id_user")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_performance_evaluation_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_evaluation")),
    )
    with op.batch_alter_table("performance_evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_evaluation_grade"), ["grade"], unique=False)
        batch_op.create_index(batch_op.f("ix_performance_evaluation_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_performance_evaluation_stage"), ["stage"], unique=False)
    op.create_table(
        "performance_goal",
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_performance_goal_actor_id_user")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_performance_goal_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_goal")),
    )
    with op.batch_alter_table("performance_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_goal_project_id"), ["project_id"], unique=False)
    op.create_table(
        "procedure_document",
        sa.Column("procedure", sa.String(length=40), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_procedure_document_actor_id_user")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_procedure_document_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_document")),
    )
    with op.batch_alter_table("procedure_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_document_procedure"), ["procedure"], unique=False)
        batch_op.create_index(batch_op.f("ix_procedure_document_project_id"), ["project_id"], unique=False)
    op.create_table(
        "procurement",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("procurement_type", sa.String(length=20), nullable=False),
        sa.Column("budget", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("award_amount", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("winner", sa.String(length=200), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_procurement_actor_id_user")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_procurement_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurement")),
    )
    with op.batch_alter_table("procurement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procurement_awarded_on"), ["awarded_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_procurement_method"), ["method"], unique=False)
        batch_op.create_index(batch_op.f("ix_procurement_project_id"), ["project_id"], unique=False)
        batch_op.create_index("ix_procurement_type_method", ["procurement_type", "method"], unique=False)
    op.create_table(
        "progress_report",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("time_progress", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("work_quantity_progress", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("investment_completed", sa.Numeric(precision=16, scale=4), nullable=True),
        sa.Column("funds_disbursed", sa.Numeric(precision=16, scale=4), nullable=True),
        sa.Column("image_note", sa.Text(), nullable=True),
        sa.Column("performance_note", sa.Text(), nullable=True),
        sa.Column("construction_complete", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_progress_report_actor_id_user")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_progress_report_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_report")),
    )
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_report_period"), ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_progress_report_project_id"), ["project_id"], unique=False)
        batch_op.create_index("ix_progress_report_project_period", ["project_id", "period"], unique=False)
    op.create_table(
        "project_function",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("process", sa.String(length=30), nullable=False),
        sa.Column("function", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_project_function_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_function")),
        sa.UniqueConstraint(
            "project_id", "process", "function", name=op.f("uq_project_function_project_id_process_function")
        ),
    )
    with op.batch_alter_table("project_function", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_function_project_id"), ["project_id"], unique=False)
    op.create_table(
        "project_info_revision",
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_project_info_revision_actor_id_user")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_info_revision_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_info_revision")),
    )
    with op.batch_alter_table("project_info_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_info_revision_project_id"), ["project_id"], unique=False)
    op.create_table(
        "funding_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["investment_plan.id"], name=op.f("fk_funding_source_plan_id_investment_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_source")),
        sa.UniqueConstraint("plan_id", "source", name=op.f("uq_funding_source_plan_id_source")),
    )
    with op.batch_alter_table("funding_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_source_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_funding_source_source"), ["source"], unique=False)
    op.create_table(
        "performance_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["performance_goal.id"], name=op.f("fk_performance_indicator_goal_id_performance_goal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_indicator")),
    )
    with op.batch_alter_table("performance_indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_indicator_goal_id"), ["goal_id"], unique=False)
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=20), nullable=False, server_default="city"))
        batch_op.add_column(sa.Column("competent_department_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("investment_policy", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("industry_type", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("construction_mode", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("investment_mode", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("management_status", sa.String(length=20), nullable=False, server_default="储备"))
        batch_op.add_column(
            sa.Column("cumulative_investment", sa.Numeric(precision=16, scale=4), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("start_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("end_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stage", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("lifecycle_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_project_competent_department_id"), ["competent_department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_project_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_stage"), ["stage"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_project_lifecycle_id_process_instance"), "process_instance", ["lifecycle_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_project_competent_department_id_organisation"),
            "organisation",
            ["competent_department_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_project_competent_department_id_organisation"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_project_lifecycle_id_process_instance"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_project_stage"))
        batch_op.drop_index(batch_op.f("ix_project_name"))
        batch_op.drop_index(batch_op.f("ix_project_competent_department_id"))
        batch_op.drop_column("lifecycle_id")
        batch_op.drop_column("stage")
        batch_op.drop_column("end_year")
        batch_op.drop_column("start_year")
        batch_op.drop_column("cumulative_investment")
        batch_op.drop_column("management_status")
        batch_op.drop_column("investment_mode")
        batch_op.drop_column("construction_mode")
        batch_op.drop_column("industry_type")
        batch_op.drop_column("investment_policy")
        batch_op.drop_column("competent_department_id")
        batch_op.drop_column("level")
    with op.batch_alter_table("performance_indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_indicator_goal_id"))
    op.drop_table("performance_indicator")
    with op.batch_alter_table("funding_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_source_source"))
        batch_op.drop_index(batch_op.f("ix_funding_source_plan_id"))
    op.drop_table("funding_source")
    with op.batch_alter_table("project_info_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_info_revision_project_id"))
    op.drop_table("project_info_revision")
    with op.batch_alter_table("project_function", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_function_project_id"))
    op.drop_table("project_function")
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.drop_index("ix_progress_report_project_period")
        batch_op.drop_index(batch_op.f("ix_progress_report_project_id"))
        batch_op.drop_index(batch_op.f("ix_progress_report_period"))
    op.drop_table("progress_report")
    with op.batch_alter_table("procurement", schema=None) as batch_op:
        batch_op.drop_index("ix_procurement_type_method")
        batch_op.drop_index(batch_op.f("ix_procurement_project_id"))
        batch_op.drop_index(batch_op.f("ix_procurement_method"))
        batch_op.drop_index(batch_op.f("ix_procurement_awarded_on"))
    op.drop_table("procurement")
    with op.batch_alter_table("procedure_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_document_project_id"))
        batch_op.drop_index(batch_op.f("ix_procedure_document_procedure"))
    op.drop_table("procedure_document")
    with op.batch_alter_table("performance_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_goal_project_id"))
    op.drop_table("performance_goal")
    with op.batch_alter_table("performance_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_evaluation_stage"))
        batch_op.drop_index(batch_op.f("ix_performance_evaluation_project_id"))
        batch_op.drop_index(batch_op.f("ix_performance_evaluation_grade"))
    op.drop_table("performance_evaluation")
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_entry_project_id"))
    op.drop_table("log_entry")
    with op.batch_alter_table("investment_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investment_plan_project_id"))
    op.drop_table("investment_plan")
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_project_id"))
        batch_op.drop_index(batch_op.f("ix_engagement_agency_id"))
    op.drop_table("engagement")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_signed_on"))
        batch_op.drop_index(batch_op.f("ix_contract_project_id"))
        batch_op.drop_index(batch_op.f("ix_contract_contract_type"))
    op.drop_table("contract")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachment_project_id"))
    op.drop_table("attachment")
    with op.batch_alter_table("acceptance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acceptance_result"))
        batch_op.drop_index(batch_op.f("ix_acceptance_project_id"))
        batch_op.drop_index(batch_op.f("ix_acceptance_accepted_on"))
        batch_op.drop_index(batch_op.f("ix_acceptance_acceptance_type"))
    op.drop_table("acceptance")
    with op.batch_alter_table("saved_filter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_filter_user_id"))
        batch_op.drop_index(batch_op.f("ix_saved_filter_org_id"))
    op.drop_table("saved_filter")
    op.drop_table("project_code_counter")
    op.drop_table("blob")
