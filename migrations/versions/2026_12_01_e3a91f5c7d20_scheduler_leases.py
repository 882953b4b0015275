"""scheduler leases: one scheduler process acts at a time

Revision ID: e3a91f5c7d20
Revises: e5b7a3c90d21
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'e3a91f5c7d20'
down_revision = 'e5b7a3c90d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('acquired_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )


def downgrade():
    op.drop_table('scheduler_leases')
