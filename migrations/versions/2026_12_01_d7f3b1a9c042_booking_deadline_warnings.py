"""booking deadline warnings: when staff were told a pending request's approval deadline is near (once each)

Revision ID: d7f3b1a9c042
Revises: 7b3e9d2c4a18
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'd7f3b1a9c042'
down_revision = "7b3e9d2c4a18"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: recreating the table on SQLite would drop its bookings_no_overlap trigger.
def upgrade():
    op.add_column('bookings', sa.Column('deadline_warned_at', marketplace.core.db.UTCDateTime(timezone=True),
                                        nullable=True))


def downgrade():
    op.drop_column('bookings', 'deadline_warned_at')
