"""signed webhooks: endpoints, their deliveries and each delivery's attempts; email choice for the webhooks notice

Revision ID: c3e7a9b51d24
Revises: a7e3c5b9d2f4
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa

from marketplace.core.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c3e7a9b51d24'
down_revision = 'a7e3c5b9d2f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('previous_secret', sa.String(length=100), nullable=True),
        sa.Column('previous_secret_until', UTCDateTime(), nullable=True),
        sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('disabled_reason', sa.String(length=200), nullable=False),
        sa.Column('failed_deliveries', sa.Integer(), server_default='0', nullable=False),
        sa.Column('failing_since', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE',
                                name=op.f('fk_webhook_endpoints_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_webhook_endpoints_owner_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints')),
    )
    op.create_index(op.f('ix_webhook_endpoints_organisation_id'), 'webhook_endpoints', ['organisation_id'])
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('event_type', sa.String(length=60), nullable=False),
        sa.Column('message_id', sa.String(length=60), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('schedule_offset', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(), nullable=True),
        sa.Column('last_status_code', sa.SmallInteger(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], ondelete='CASCADE',
                                name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints')),
        sa.ForeignKeyConstraint(['event_id'], ['domain_events.id'], ondelete='SET NULL',
                                name=op.f('fk_webhook_deliveries_event_id_domain_events')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
        sa.UniqueConstraint('endpoint_id', 'event_id', name=op.f('uq_webhook_deliveries_endpoint_id')),
        sa.UniqueConstraint('message_id', name=op.f('uq_webhook_deliveries_message_id')),
    )
    op.create_index('ix_webhook_deliveries_status_next_attempt_at', 'webhook_deliveries',
                    ['status', 'next_attempt_at'])
    op.create_index('ix_webhook_deliveries_endpoint_created', 'webhook_deliveries', ['endpoint_id', 'created_at'])
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('status_code', sa.SmallInteger(), nullable=True),
        sa.Column('error', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'], ondelete='CASCADE',
                                name=op.f('fk_webhook_attempts_delivery_id_webhook_deliveries')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts')),
        sa.UniqueConstraint('delivery_id', 'number', name=op.f('uq_webhook_attempts_delivery_id')),
    )
    # A plain ADD COLUMN (no batch rebuild): the table keeps its rows and constraints on SQLite too.
    op.add_column('notification_preferences',
                  sa.Column('webhooks_email', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('notification_preferences') as batch_op:
        batch_op.drop_column('webhooks_email')
    op.drop_table('webhook_attempts')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_endpoints')
