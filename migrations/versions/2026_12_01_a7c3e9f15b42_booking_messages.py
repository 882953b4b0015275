"""booking messages: the conversation between a booking's booker and its provider

Revision ID: a7c3e9f15b42
Revises: e4a7c2d9f105
Create Date: 2026-12-01 11:40:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'a7c3e9f15b42'
down_revision = 'e4a7c2d9f105'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('booker', 'provider', name='messageside', native_enum=False, length=16), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(text) >= 1', name=op.f('ck_booking_messages_text_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_booking_messages_author_id_users')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_messages_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_messages'))
    )
    with op.batch_alter_table('booking_messages', schema=None) as batch_op:
        batch_op.create_index('ix_booking_messages_booking_created', ['booking_id', 'created_at'], unique=False)
        batch_op.create_index('ix_booking_messages_booking_author_created', ['booking_id', 'author_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('booking_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_messages_booking_author_created')
        batch_op.drop_index('ix_booking_messages_booking_created')

    op.drop_table('booking_messages')
