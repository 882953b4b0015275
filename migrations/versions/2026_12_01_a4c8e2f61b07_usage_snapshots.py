"""usage snapshots: each listing's local day in figures (usage_snapshots), and the days done (usage_days)

Revision ID: a4c8e2f61b07
Revises: d7f3b1a9c042
Create Date: 2026-12-01 12:10:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'a4c8e2f61b07'
down_revision = 'd7f3b1a9c042'
branch_labels = None
depends_on = None

FIGURES = ('open_minutes', 'booked_minutes', 'bookings', 'pending', 'confirmed', 'completed', 'cancelled',
           'rejected', 'expired', 'no_show', 'cancelled_by_booker', 'cancelled_by_provider', 'people_served')


def upgrade():
    op.create_table('usage_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_usage_snapshots_listing_id_listings'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_snapshots')),
    sa.UniqueConstraint('listing_id', 'day', name=op.f('uq_usage_snapshots_listing_id'))
    )
    op.create_index('ix_usage_snapshots_day_listing_id', 'usage_snapshots', ['day', 'listing_id'], unique=False)
    op.create_table('usage_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('listings', sa.Integer(), nullable=False),
    sa.Column('completed_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_usage_days'))
    )


def downgrade():
    op.drop_table('usage_days')
    op.drop_index('ix_usage_snapshots_day_listing_id', table_name='usage_snapshots')
    op.drop_table('usage_snapshots')
