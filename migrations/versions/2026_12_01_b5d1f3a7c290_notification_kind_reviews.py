"""notifications about reviews: each user's choice of email for them (a review of them revealed, a reply, a report decided)

Revision ID: b5d1f3a7c290
Revises: a4c8e2f61b07
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d1f3a7c290'
down_revision = 'a4c8e2f61b07'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch rebuild): the table keeps its rows and constraints on SQLite too.
    op.add_column('notification_preferences',
                  sa.Column('reviews_email', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('notification_preferences') as batch_op:
        batch_op.drop_column('reviews_email')
