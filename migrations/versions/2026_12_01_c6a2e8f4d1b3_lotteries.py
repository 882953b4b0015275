"""lotteries: slots given out by a draw, their applications, the lottery purpose of slot holds, and each user's
choice of email for lottery outcomes and need invitations

Revision ID: c6a2e8f4d1b3
Revises: f1c2d3e4a5b6
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'c6a2e8f4d1b3'
down_revision = 'f1c2d3e4a5b6'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no batch rebuild): the tables keep their rows and constraints on SQLite too.
    op.add_column('slot_holds', sa.Column('purpose', sa.Enum('waitlist', 'lottery', name='holdpurpose',
                                                             native_enum=False, length=16),
                                          server_default='waitlist', nullable=False))
    op.add_column('notification_preferences',
                  sa.Column('lotteries_email', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('notification_preferences',
                  sa.Column('invitations_email', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table('lotteries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('start_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('applications_open_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applications_close_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('draw_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('priority', sa.Enum('none', 'community_residents', name='priority', native_enum=False, length=24),
              nullable=False),
    sa.Column('status', sa.Enum('open', 'drawn', name='lotterystatus', native_enum=False, length=16), nullable=False),
    sa.Column('hold_id', sa.Integer(), nullable=True),
    sa.Column('seed', sa.String(length=64), nullable=True),
    sa.Column('drawn_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start_at < end_at', name=op.f('ck_lotteries_starts_before_end')),
    sa.CheckConstraint('applications_open_at < applications_close_at',
                       name=op.f('ck_lotteries_window_opens_before_close')),
    sa.CheckConstraint('applications_close_at <= draw_at', name=op.f('ck_lotteries_draw_after_window')),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_lotteries_seats_positive')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_lotteries_listing_id_listings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_lotteries_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hold_id'], ['slot_holds.id'], name=op.f('fk_lotteries_hold_id_slot_holds'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lotteries'))
    )
    with op.batch_alter_table('lotteries', schema=None) as batch_op:
        batch_op.create_index('ix_lotteries_status_draw_at', ['status', 'draw_at'], unique=False)
        batch_op.create_index('ix_lotteries_listing_start', ['listing_id', 'start_at'], unique=False)
    op.create_table('lottery_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lottery_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('won', 'lost', 'refused', name='outcome', native_enum=False, length=16),
              nullable=True),
    sa.Column('refusal', sa.String(length=300), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('waitlist_entry_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lottery_id'], ['lotteries.id'], name=op.f('fk_lottery_applications_lottery_id_lotteries'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lottery_applications_user_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_lottery_applications_booking_id_bookings'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['waitlist_entry_id'], ['waitlist_entries.id'],
                            name=op.f('fk_lottery_applications_waitlist_entry_id_waitlist_entries'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_applications')),
    sa.UniqueConstraint('lottery_id', 'user_id', name=op.f('uq_lottery_applications_lottery_id'))
    )
    with op.batch_alter_table('lottery_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lottery_applications_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lottery_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lottery_applications_user_id'))
    op.drop_table('lottery_applications')
    with op.batch_alter_table('lotteries', schema=None) as batch_op:
        batch_op.drop_index('ix_lotteries_listing_start')
        batch_op.drop_index('ix_lotteries_status_draw_at')
    op.drop_table('lotteries')
    with op.batch_alter_table('notification_preferences') as batch_op:
        batch_op.drop_column('invitations_email')
        batch_op.drop_column('lotteries_email')
    with op.batch_alter_table('slot_holds') as batch_op:
        batch_op.drop_column('purpose')
