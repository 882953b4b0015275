"""listings in browse order: an index on (status, published_at, id), so a page of the newest published
listings is read off the index however many listings there are

Revision ID: e5b7a3c90d21
Revises: 5c1e2a7d9b30
Create Date: 2026-12-01 10:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5b7a3c90d21'
down_revision = '5c1e2a7d9b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_published_order', ['status', 'published_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index('ix_listings_published_order')
