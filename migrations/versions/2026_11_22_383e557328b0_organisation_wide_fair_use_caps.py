"""organisation-wide fair-use caps: active bookings at once and hours per week, over all its listings

Revision ID: 383e557328b0
Revises: 1270329e832e
Create Date: 2026-11-22 17:14:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '383e557328b0'
down_revision = '1270329e832e'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('organisations', sa.Column('max_active_bookings_per_booker', sa.Integer(), nullable=True))
    op.add_column('organisations', sa.Column('max_hours_per_week_per_booker', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('max_hours_per_week_per_booker')
        batch_op.drop_column('max_active_bookings_per_booker')
