"""run provenance records (issue 15)

Revision ID: 0003_reports
Revises: 0002_jobs
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_reports"
down_revision = "0002_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runprovenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("input_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("parameter_set_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("input_data_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("result_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("record", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=True),
        sa.Column("record_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("package_version", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_revision", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("runprovenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runprovenance_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_runprovenance_target_type"), ["target_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_runprovenance_target_id"), ["target_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("runprovenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runprovenance_target_id"))
        batch_op.drop_index(batch_op.f("ix_runprovenance_target_type"))
        batch_op.drop_index(batch_op.f("ix_runprovenance_project_id"))
    op.drop_table("runprovenance")
