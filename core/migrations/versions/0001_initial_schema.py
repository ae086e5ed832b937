"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 02:45:12.592042
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('operation', sa.String(length=10), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('catalog_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalog', sa.String(length=50), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['catalog_item.id'], name=op.f('fk_catalog_item_parent_id_catalog_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_item')),
    sa.UniqueConstraint('catalog', 'code', name=op.f('uq_catalog_item_catalog_code'))
    )
    op.create_table('office',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('short_name', sa.String(length=100), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('region_office', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office')),
    sa.UniqueConstraint('code', name=op.f('uq_office_code'))
    )
    op.create_table('approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=50), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('payload_set_hash', sa.String(length=64), nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_approval_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval'))
    )
    op.create_table('emes_standard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_emes_standard_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emes_standard')),
    sa.UniqueConstraint('office_id', 'fiscal_year', 'number', name=op.f('uq_emes_standard_office_id_fiscal_year_number'))
    )
    op.create_table('org_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_org_group_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_group')),
    sa.UniqueConstraint('office_id', 'code', name=op.f('uq_org_group_office_id_code'))
    )
    op.create_table('strategy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_strategy_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strategy')),
    sa.UniqueConstraint('office_id', 'fiscal_year', 'code', name=op.f('uq_strategy_office_id_fiscal_year_code'))
    )
    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=50), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('planned', 'previewed', 'approved', 'submitting', 'submitted', 'failed', 'unknown', name='submissionstate', native_enum=False, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.String(length=200), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_submission_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_submission_idempotency_key')),
    sa.UniqueConstraint('office_id', 'target', 'period', 'record_key', 'action', name=op.f('uq_submission_office_id_target_period_record_key_action'))
    )
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('prefix', sa.String(length=50), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['org_group.id'], name=op.f('fk_person_group_id_org_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_person_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('office_id', 'code', name=op.f('uq_person_office_id_code'))
    )
    op.create_table('emes_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_emes_indicator_owner_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['standard_id'], ['emes_standard.id'], name=op.f('fk_emes_indicator_standard_id_emes_standard'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emes_indicator')),
    sa.UniqueConstraint('standard_id', 'number', name=op.f('uq_emes_indicator_standard_id_number'))
    )
    op.create_table('inspection_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('source', sa.Enum('moe', 'pmo', name='inspectionsource', native_enum=False, length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_inspection_policy_office_id_office'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_inspection_policy_owner_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_policy')),
    sa.UniqueConstraint('office_id', 'fiscal_year', 'number', name=op.f('uq_inspection_policy_office_id_fiscal_year_number'))
    )
    op.create_table('person_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('director', 'unit_officer', 'project_owner', 'indicator_owner', name='role', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_role_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_role')),
    sa.UniqueConstraint('person_id', 'role', name=op.f('uq_person_role_person_id_role'))
    )
    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('objectives', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['org_group.id'], name=op.f('fk_project_group_id_org_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_project_office_id_office'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_project_owner_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['strategy_id'], ['strategy.id'], name=op.f('fk_project_strategy_id_strategy'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('office_id', 'fiscal_year', 'code', name=op.f('uq_project_office_id_fiscal_year_code'))
    )
    op.create_table('emes_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['emes_indicator.id'], name=op.f('fk_emes_point_indicator_id_emes_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_emes_point_owner_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emes_point')),
    sa.UniqueConstraint('indicator_id', 'number', name=op.f('uq_emes_point_indicator_id_number'))
    )
    op.create_table('emes_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['emes_indicator.id'], name=op.f('fk_emes_result_indicator_id_emes_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['person.id'], name=op.f('fk_emes_result_reported_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emes_result')),
    sa.UniqueConstraint('indicator_id', 'period', name=op.f('uq_emes_result_indicator_id_period'))
    )
    op.create_table('inspection_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_inspection_point_owner_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['policy_id'], ['inspection_policy.id'], name=op.f('fk_inspection_point_policy_id_inspection_policy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_point')),
    sa.UniqueConstraint('policy_id', 'number', name=op.f('uq_inspection_point_policy_id_number'))
    )
    op.create_table('project_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('months', sa.JSON(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_activity_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_activity'))
    )
    op.create_table('project_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('line', sa.String(length=50), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_budget_line_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_budget_line')),
    sa.UniqueConstraint('project_id', 'source', 'line', name=op.f('uq_project_budget_line_project_id_source_line'))
    )
    op.create_table('project_kpi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.Enum('quantitative', 'qualitative', name='kpikind', native_enum=False, length=32), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_kpi_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_kpi'))
    )
    op.create_table('project_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('catalog_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['catalog_item_id'], ['catalog_item.id'], name=op.f('fk_project_link_catalog_item_id_catalog_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_link_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_link')),
    sa.UniqueConstraint('project_id', 'catalog_item_id', name=op.f('uq_project_link_project_id_catalog_item_id'))
    )
    op.create_table('project_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'completed', 'cancelled', name='progressstatus', native_enum=False, length=32), nullable=False),
    sa.Column('disbursed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_progress_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['person.id'], name=op.f('fk_project_progress_reported_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_progress')),
    sa.UniqueConstraint('project_id', 'period', name=op.f('uq_project_progress_project_id_period'))
    )
    op.create_table('project_target_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_target_group_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_target_group'))
    )
    op.create_table('activity_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('progress_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['project_activity.id'], name=op.f('fk_activity_progress_activity_id_project_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['progress_id'], ['project_progress.id'], name=op.f('fk_activity_progress_progress_id_project_progress'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_progress')),
    sa.UniqueConstraint('progress_id', 'activity_id', name=op.f('uq_activity_progress_progress_id_activity_id'))
    )
    op.create_table('inspection_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_inspection_indicator_owner_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['point_id'], ['inspection_point.id'], name=op.f('fk_inspection_indicator_point_id_inspection_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_indicator')),
    sa.UniqueConstraint('point_id', 'code', name=op.f('uq_inspection_indicator_point_id_code'))
    )
    op.create_table('kpi_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('progress_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['project_kpi.id'], name=op.f('fk_kpi_result_kpi_id_project_kpi'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['progress_id'], ['project_progress.id'], name=op.f('fk_kpi_result_progress_id_project_progress'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_result')),
    sa.UniqueConstraint('progress_id', 'kpi_id', name=op.f('uq_kpi_result_progress_id_kpi_id'))
    )
    op.create_table('inspection_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('result', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('result_text', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('suggestions', sa.Text(), nullable=False),
    sa.Column('good_practice', sa.Text(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['inspection_indicator.id'], name=op.f('fk_inspection_result_indicator_id_inspection_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['person.id'], name=op.f('fk_inspection_result_reported_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_result')),
    sa.UniqueConstraint('indicator_id', 'period', name=op.f('uq_inspection_result_indicator_id_period'))
    )
    op.create_table('evidence_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('progress_id', sa.Integer(), nullable=True),
    sa.Column('emes_result_id', sa.Integer(), nullable=True),
    sa.Column('inspection_result_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['person.id'], name=op.f('fk_evidence_file_added_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['emes_result_id'], ['emes_result.id'], name=op.f('fk_evidence_file_emes_result_id_emes_result'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inspection_result_id'], ['inspection_result.id'], name=op.f('fk_evidence_file_inspection_result_id_inspection_result'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_evidence_file_office_id_office'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['progress_id'], ['project_progress.id'], name=op.f('fk_evidence_file_progress_id_project_progress'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_file'))
    )
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_file_sha256'), ['sha256'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_file_sha256'))

    op.drop_table('evidence_file')
    op.drop_table('inspection_result')
    op.drop_table('kpi_result')
    op.drop_table('inspection_indicator')
    op.drop_table('activity_progress')
    op.drop_table('project_target_group')
    op.drop_table('project_progress')
    op.drop_table('project_link')
    op.drop_table('project_kpi')
    op.drop_table('project_budget_line')
    op.drop_table('project_activity')
    op.drop_table('inspection_point')
    op.drop_table('emes_result')
    op.drop_table('emes_point')
    op.drop_table('project')
    op.drop_table('person_role')
    op.drop_table('inspection_policy')
    op.drop_table('emes_indicator')
    op.drop_table('person')
    op.drop_table('submission')
    op.drop_table('strategy')
    op.drop_table('org_group')
    op.drop_table('emes_standard')
    op.drop_table('approval')
    op.drop_table('office')
    op.drop_table('catalog_item')
    op.drop_table('audit_log')
