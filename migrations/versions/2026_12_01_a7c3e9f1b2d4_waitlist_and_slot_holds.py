"""waitlist entries, and slot holds that keep a freed slot for the first in line

Revision ID: a7c3e9f1b2d4
Revises: a7c3e9d2f418
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b2d4'
down_revision = "a7c3e9d2f418"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('slot_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('start_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('held_until', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start_at < end_at', name=op.f('ck_slot_holds_starts_before_end')),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_slot_holds_seats_positive')),
    sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_slot_holds_holder_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_slot_holds_listing_id_listings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_holds'))
    )
    with op.batch_alter_table('slot_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_holds_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index('ix_slot_holds_listing_window', ['listing_id', 'start_at', 'blocked_until'], unique=False)

    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('start_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'offered', 'accepted', 'lapsed', name='entrystatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('offered_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hold_until', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hold_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('start_at < end_at', name=op.f('ck_waitlist_entries_starts_before_end')),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_waitlist_entries_seats_positive')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_waitlist_entries_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hold_id'], ['slot_holds.id'], name=op.f('fk_waitlist_entries_hold_id_slot_holds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_waitlist_entries_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_waitlist_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
    sa.UniqueConstraint('user_id', 'listing_id', 'start_at', 'end_at', name=op.f('uq_waitlist_entries_user_id'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_entries_listing_start', ['listing_id', 'start_at'], unique=False)
        batch_op.create_index('ix_waitlist_entries_status_hold_until', ['status', 'hold_until'], unique=False)


def downgrade():
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_entries_status_hold_until')
        batch_op.drop_index('ix_waitlist_entries_listing_start')
    op.drop_table('waitlist_entries')
    with op.batch_alter_table('slot_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_slot_holds_listing_window')
        batch_op.drop_index(batch_op.f('ix_slot_holds_holder_id'))
    op.drop_table('slot_holds')
