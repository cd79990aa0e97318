"""DOE study chunks: each range of a study's runs, its job and its result artifact (resumable studies)

Revision ID: 0004_doe
Revises: 0003_reports
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_doe"
down_revision = "0003_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "doechunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("run_lo", sa.Integer(), nullable=False),
        sa.Column("run_hi", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("artifact_id", sa.Integer(), nullable=True),
        sa.Column("n_failed", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["artifact_id"], ["artifact.id"]),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"]),
        sa.ForeignKeyConstraint(["study_id"], ["doestudy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("doechunk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doechunk_study_id"), ["study_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_doechunk_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("doechunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doechunk_status"))
        batch_op.drop_index(batch_op.f("ix_doechunk_study_id"))
    op.drop_table("doechunk")
