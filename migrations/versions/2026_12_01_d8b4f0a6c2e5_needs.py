"""needs: what an organisation asks a community for, item by item, and the listings invited to each item

Revision ID: d8b4f0a6c2e5
Revises: c6a2e8f4d1b3
Create Date: 2026-12-01 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'd8b4f0a6c2e5'
down_revision = 'c6a2e8f4d1b3'
branch_labels = None
depends_on = None

KIND = sa.Enum('space', 'skill', 'service', name='listingkind', native_enum=False, length=16)


def upgrade():
    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', name='needstatus', native_enum=False, length=16),
              nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_needs_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['places.id'], name=op.f('fk_needs_community_id_places')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_needs_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_needs_community_status', ['community_id', 'status', 'id'], unique=False)
    op.create_table('need_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('kind', KIND, nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('start_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start_at < end_at', name=op.f('ck_need_items_starts_before_end')),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_need_items_quantity_positive')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_items_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_items'))
    )
    with op.batch_alter_table('need_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_items_need_id'), ['need_id'], unique=False)
    op.create_table('need_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['need_items.id'], name=op.f('fk_need_invitations_item_id_need_items'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_need_invitations_listing_id_listings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_need_invitations_invited_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_invitations')),
    sa.UniqueConstraint('item_id', 'listing_id', name=op.f('uq_need_invitations_item_id'))
    )
    with op.batch_alter_table('need_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_invitations_listing_id'), ['listing_id'], unique=False)


def downgrade():
    with op.batch_alter_table('need_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_invitations_listing_id'))
    op.drop_table('need_invitations')
    with op.batch_alter_table('need_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_items_need_id'))
    op.drop_table('need_items')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_community_status')
        batch_op.drop_index(batch_op.f('ix_needs_organisation_id'))
    op.drop_table('needs')
