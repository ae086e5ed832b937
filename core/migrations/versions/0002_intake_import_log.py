"""intake import log; the as-of date of a progress report

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 02:56:27.307567
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intake_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('template_kind', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('workbook_saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_intake_import_office_id_office'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_intake_import_owner_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_import'))
    )
    with op.batch_alter_table('intake_import', schema=None) as batch_op:
        batch_op.create_index('ix_intake_import_owner_period', ['office_id', 'owner_id', 'period', 'template_kind'], unique=False)
    with op.batch_alter_table('project_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('project_progress', schema=None) as batch_op:
        batch_op.drop_column('as_of')
    with op.batch_alter_table('intake_import', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_import_owner_period')

    op.drop_table('intake_import')
