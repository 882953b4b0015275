"""micro-wishes (wishes, wish_co_claimers) and each user's choice of email for wish notifications

Revision ID: f1c2d3e4a5b6
Revises: f6c2d8a41e37
Create Date: 2026-12-01 14:16:05

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'f1c2d3e4a5b6'
down_revision = 'f6c2d8a41e37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=False),
    sa.Column('resident_confirmed_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resident_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('wall_place_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent_back', 'open', 'claimed', 'fulfilled', 'confirmed', name='wishstatus', native_enum=False, length=16), nullable=False),
    sa.Column('sent_back_reason', sa.String(length=500), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalate_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimant_id', sa.Integer(), nullable=True),
    sa.Column('claimant_group_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_due_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fulfilment_note', sa.String(length=500), nullable=True),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('fulfilled_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('thanks', sa.String(length=500), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hours IS NULL OR hours > 0', name=op.f('ck_wishes_hours_positive')),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 5)', name=op.f('ck_wishes_rating_1_to_5')),
    sa.ForeignKeyConstraint(['claimant_group_id'], ['groups.id'], name=op.f('fk_wishes_claimant_group_id_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['claimant_id'], ['users.id'], name=op.f('fk_wishes_claimant_id_users')),
    sa.ForeignKeyConstraint(['community_id'], ['places.id'], name=op.f('fk_wishes_community_id_places')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_wishes_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['places.id'], name=op.f('fk_wishes_grid_id_places')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_wishes_place_id_places')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_wishes_posted_by_id_users')),
    sa.ForeignKeyConstraint(['resident_confirmed_by_id'], ['users.id'], name=op.f('fk_wishes_resident_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['resident_id'], ['users.id'], name=op.f('fk_wishes_resident_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_wishes_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['wall_place_id'], ['places.id'], name=op.f('fk_wishes_wall_place_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wishes'))
    )
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wishes_claimant_id'), ['claimant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wishes_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wishes_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('ix_wishes_status_claim_due_at', ['status', 'claim_due_at'], unique=False)
        batch_op.create_index('ix_wishes_status_escalate_at', ['status', 'escalate_at'], unique=False)
        batch_op.create_index('ix_wishes_status_wall_place_id', ['status', 'wall_place_id'], unique=False)

    op.create_table('wish_co_claimers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wish_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wish_co_claimers_user_id_users')),
    sa.ForeignKeyConstraint(['wish_id'], ['wishes.id'], name=op.f('fk_wish_co_claimers_wish_id_wishes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_co_claimers')),
    sa.UniqueConstraint('wish_id', 'user_id', name=op.f('uq_wish_co_claimers_wish_id'))
    )
    # A plain ADD COLUMN (no batch rebuild): the table keeps its rows and constraints on SQLite too.
    op.add_column('notification_preferences',
                  sa.Column('wishes_email', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_column('wishes_email')

    op.drop_table('wish_co_claimers')
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.drop_index('ix_wishes_status_wall_place_id')
        batch_op.drop_index('ix_wishes_status_escalate_at')
        batch_op.drop_index('ix_wishes_status_claim_due_at')
        batch_op.drop_index(batch_op.f('ix_wishes_resident_id'))
        batch_op.drop_index(batch_op.f('ix_wishes_community_id'))
        batch_op.drop_index(batch_op.f('ix_wishes_claimant_id'))

    op.drop_table('wishes')
