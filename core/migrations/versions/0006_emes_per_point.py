"""E-MES per point of consideration: a point's kind, ranked works and owner; results per point

Offices report E-MES per ประเด็นการพิจารณา. An old per-indicator result moves to its
indicator's first point (an indicator without points loses it: there is nothing to report it
under), and an indicator's owner becomes the owner of its points that have none.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('emes_point') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='narrative'))
        batch_op.add_column(sa.Column('works', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('asks_level', sa.Boolean(), nullable=False, server_default=sa.true()))
    first_point = ('(SELECT p.id FROM emes_point p WHERE p.indicator_id = {0} '
                   'ORDER BY p.number LIMIT 1)')
    op.execute('UPDATE emes_point SET owner_id = (SELECT i.owner_id FROM emes_indicator i WHERE i.id = emes_point.indicator_id) '
               'WHERE owner_id IS NULL')
    with op.batch_alter_table('emes_result') as batch_op:
        batch_op.add_column(sa.Column('point_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('works', sa.JSON(), nullable=False, server_default='[]'))
    op.execute(f'UPDATE emes_result SET point_id = {first_point.format("emes_result.indicator_id")}')
    op.execute('DELETE FROM emes_result WHERE point_id IS NULL')
    with op.batch_alter_table('emes_result') as batch_op:
        batch_op.drop_constraint('uq_emes_result_indicator_id_period', type_='unique')
        batch_op.drop_constraint('fk_emes_result_indicator_id_emes_indicator', type_='foreignkey')
        batch_op.drop_column('indicator_id')
        batch_op.alter_column('point_id', nullable=False)
        batch_op.create_foreign_key('fk_emes_result_point_id_emes_point', 'emes_point', ['point_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_emes_result_point_id_period', ['point_id', 'period'])
    with op.batch_alter_table('emes_indicator') as batch_op:
        batch_op.drop_index('ix_emes_indicator_owner_id')
        batch_op.drop_constraint('fk_emes_indicator_owner_id_person', type_='foreignkey')
        batch_op.drop_column('owner_id')


def downgrade() -> None:
    """Back to one result per indicator: a point's result goes to its indicator, the first point's
    kept where several points reported; the indicator's owner is its first point's."""
    with op.batch_alter_table('emes_indicator') as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_emes_indicator_owner_id_person', 'person', ['owner_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_emes_indicator_owner_id', ['owner_id'])
    op.execute('UPDATE emes_indicator SET owner_id = (SELECT p.owner_id FROM emes_point p WHERE p.indicator_id = emes_indicator.id '
               'ORDER BY p.number LIMIT 1)')
    with op.batch_alter_table('emes_result') as batch_op:
        batch_op.add_column(sa.Column('indicator_id', sa.Integer(), nullable=True))
    op.execute('UPDATE emes_result SET indicator_id = (SELECT p.indicator_id FROM emes_point p WHERE p.id = emes_result.point_id)')
    op.execute('DELETE FROM emes_result WHERE id NOT IN (SELECT MIN(r.id) FROM emes_result r GROUP BY r.indicator_id, r.period)')
    with op.batch_alter_table('emes_result') as batch_op:
        batch_op.drop_constraint('uq_emes_result_point_id_period', type_='unique')
        batch_op.drop_constraint('fk_emes_result_point_id_emes_point', type_='foreignkey')
        batch_op.drop_column('point_id')
        batch_op.drop_column('works')
        batch_op.alter_column('indicator_id', nullable=False)
        batch_op.create_foreign_key('fk_emes_result_indicator_id_emes_indicator', 'emes_indicator', ['indicator_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_emes_result_indicator_id_period', ['indicator_id', 'period'])
    with op.batch_alter_table('emes_point') as batch_op:
        for column in ('kind', 'works', 'asks_level'):
            batch_op.drop_column(column)
