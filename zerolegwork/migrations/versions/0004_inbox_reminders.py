"""The inbox and reminders: countersigns, escalation and warning marks, notification preferences, e-mail, the per-person bell.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_notification_preference_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint("user_id", "event", name=op.f("uq_notification_preference_user_id_event")),
    )
    with op.batch_alter_table("notification_preference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_preference_user_id"), ["user_id"], unique=False)
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("human_task_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_outgoing_mail_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_mail_user_id"), ["user_id"], unique=False)
    op.create_table(
        "countersign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("human_task_id", sa.Integer(), nullable=False),
        sa.Column("chain_pos", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["human_task_id"], ["human_task.id"], name=op.f("fk_countersign_human_task_id_human_task")
        ),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_countersign_post_id_post")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"], name=op.f("fk_countersign_requested_by_id_user")),
        sa.ForeignKeyConstraint(["signed_by_id"], ["user.id"], name=op.f("fk_countersign_signed_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_countersign")),
    )
    with op.batch_alter_table("countersign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_countersign_human_task_id"), ["human_task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_countersign_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_countersign_state"), ["state"], unique=False)
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warned_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_human_task_project_org", ["project_id", "org_code"], unique=False)
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_org_unread"))
        batch_op.create_index("ix_notification_org_id", ["org_code", "id"], unique=False)
        batch_op.drop_column("read_at")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("notifications_seen_id", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("notifications_seen_id")
        batch_op.drop_column("email")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.DateTime(), nullable=True))
        batch_op.drop_index("ix_notification_org_id")
        batch_op.create_index(batch_op.f("ix_notification_org_unread"), ["org_code", "read_at"], unique=False)
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index("ix_human_task_project_org")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("warned_at")
    with op.batch_alter_table("countersign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_countersign_state"))
        batch_op.drop_index(batch_op.f("ix_countersign_post_id"))
        batch_op.drop_index(batch_op.f("ix_countersign_human_task_id"))
    op.drop_table("countersign")
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_user_id"))
    op.drop_table("outgoing_mail")
    with op.batch_alter_table("notification_preference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preference_user_id"))
    op.drop_table("notification_preference")
