"""feedback and complaints with public answers, co-building pledges, and each user's email choice for feedback

Revision ID: f6c2d8a41e37
Revises: f2c8d4e6a913
Create Date: 2026-12-01 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'f6c2d8a41e37'
down_revision = 'f2c8d4e6a913'
branch_labels = None
depends_on = None

AWAITING = 'first_answered_at IS NULL AND escalated_at IS NULL'


def upgrade():
    op.create_table('feedback_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('feedback', 'complaint', name='feedbackkind', native_enum=False, length=16), nullable=False),
    sa.Column('subject', sa.Enum('listing', 'organisation', 'community', name='feedbacksubject', native_enum=False, length=16), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('responder_user_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('about', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_answered_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_seconds', sa.Integer(), nullable=True),
    sa.Column('escalated_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('response_seconds IS NULL OR response_seconds >= 0', name=op.f('ck_feedback_items_response_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_feedback_items_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['places.id'], name=op.f('fk_feedback_items_community_id_places')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_feedback_items_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_feedback_items_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['responder_user_id'], ['users.id'], name=op.f('fk_feedback_items_responder_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['street_id'], ['places.id'], name=op.f('fk_feedback_items_street_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_items'))
    )
    with op.batch_alter_table('feedback_items', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_items_awaiting', ['created_at'], unique=False,
                              postgresql_where=sa.text(AWAITING), sqlite_where=sa.text(AWAITING))
        batch_op.create_index('ix_feedback_items_org_response', ['organisation_id', 'response_seconds'], unique=False)
        batch_op.create_index('ix_feedback_items_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_listing_id'), ['listing_id'], unique=False)

    op.create_table('feedback_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('by_street', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_feedback_answers_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback_items.id'], name=op.f('fk_feedback_answers_feedback_id_feedback_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answers'))
    )
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_answers_feedback_id'), ['feedback_id'], unique=False)

    op.create_table('pledges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('room_hours', sa.Integer(), nullable=False),
    sa.Column('volunteer_hours', sa.Integer(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('room_hours >= 0 AND volunteer_hours >= 0', name=op.f('ck_pledges_hours_not_negative')),
    sa.CheckConstraint('year >= 2000 AND year <= 2999', name=op.f('ck_pledges_year_supported')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_pledges_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_pledges_signed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledges')),
    sa.UniqueConstraint('organisation_id', 'year', name=op.f('uq_pledges_organisation_id'))
    )
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledges_year'), ['year'], unique=False)

    # A plain ADD COLUMN (no batch rebuild): the table keeps its rows and constraints on SQLite too.
    op.add_column('notification_preferences',
                  sa.Column('feedback_email', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('notification_preferences') as batch_op:
        batch_op.drop_column('feedback_email')
    op.drop_table('pledges')
    op.drop_table('feedback_answers')
    op.drop_table('feedback_items')
