"""public contact and favourites: an organisation's office hours, a volunteer's chosen public contact,
and the listings each resident saved (收藏)

Revision ID: b8f4c2a1d9e3
Revises: 5d2a9c41e7b3
Create Date: 2026-12-01 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'b8f4c2a1d9e3'
down_revision = '5d2a9c41e7b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_hours', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shows_phone_publicly', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('public_contact_note', sa.String(length=200), server_default='',
                                      nullable=False))

    op.create_table('favourites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_favourites_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_favourites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_favourites')),
    sa.UniqueConstraint('user_id', 'listing_id', name=op.f('uq_favourites_user_id'))
    )
    with op.batch_alter_table('favourites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_favourites_listing_id'), ['listing_id'], unique=False)


def downgrade():
    with op.batch_alter_table('favourites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_favourites_listing_id'))

    op.drop_table('favourites')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('public_contact_note')
        batch_op.drop_column('shows_phone_publicly')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('office_hours')
