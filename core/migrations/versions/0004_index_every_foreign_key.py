"""index every foreign key

Without an index on the referencing column, deleting one office (a reload) makes PostgreSQL
scan every office's rows for each deleted row, and loading a project's activities or KPIs
scans every office's. Each index is named by the models' convention, ix_<table>_<columns>.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 11:30:12.846457
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# (table, columns): every foreign key column no index or unique constraint leads with;
# approval's office_id leads a composite that also serves its lookup by target and period.
INDEXES = [
    ('activity_progress', ['activity_id']),
    ('approval', ['office_id', 'target', 'period']),
    ('catalog_item', ['parent_id']),
    ('emes_indicator', ['owner_id']),
    ('emes_point', ['owner_id']),
    ('emes_result', ['reported_by_id']),
    ('evidence_file', ['added_by_id']),
    ('evidence_file', ['emes_result_id']),
    ('evidence_file', ['inspection_result_id']),
    ('evidence_file', ['office_id']),
    ('evidence_file', ['progress_id']),
    ('inspection_indicator', ['owner_id']),
    ('inspection_point', ['owner_id']),
    ('inspection_policy', ['owner_id']),
    ('inspection_result', ['reported_by_id']),
    ('intake_import', ['owner_id']),
    ('kpi_result', ['kpi_id']),
    ('person', ['group_id']),
    ('project', ['group_id']),
    ('project', ['owner_id']),
    ('project', ['strategy_id']),
    ('project_activity', ['project_id']),
    ('project_kpi', ['project_id']),
    ('project_link', ['catalog_item_id']),
    ('project_progress', ['reported_by_id']),
    ('project_target_group', ['project_id']),
    ('submission', ['approval_id']),
]


def _name(table: str, columns: list[str]) -> str:
    return op.f(f"ix_{table}_{'_'.join(columns)}")


def upgrade() -> None:
    for table, columns in INDEXES:
        op.create_index(_name(table, columns), table, columns, unique=False)


def downgrade() -> None:
    for table, columns in reversed(INDEXES):
        op.drop_index(_name(table, columns), table_name=table)
