"""check-in at the door (listing settings) and the record of each booking's reminders

Revision ID: c4e8a1f27b93
Revises: a7c3e9f1b2d4
Create Date: 2026-12-01 11:40:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'c4e8a1f27b93'
down_revision = "a7c3e9f1b2d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_check_in', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('check_in_opens_minutes', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('release_after_minutes', sa.Integer(), server_default='15', nullable=False))

    op.create_table('booking_reminders',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('hours_before', sa.SmallInteger(), nullable=False),
    sa.Column('outcome', sa.Enum('sent', 'skipped', name='reminderoutcome', native_enum=False, length=8), nullable=False),
    sa.Column('at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_reminders_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', 'hours_before', name=op.f('pk_booking_reminders'))
    )


def downgrade():
    op.drop_table('booking_reminders')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('release_after_minutes')
        batch_op.drop_column('check_in_opens_minutes')
        batch_op.drop_column('requires_check_in')
