"""login attempts: the login limits and the owner's notice of failed attempts, in the shared database

Revision ID: 5d2a9c41e7b3
Revises: 66b166622bd8
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = '5d2a9c41e7b3'
down_revision = '66b166622bd8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_pair', ['account', 'address', 'attempted_at'], unique=False)
        batch_op.create_index('ix_login_attempts_address', ['address', 'attempted_at'], unique=False)
        batch_op.create_index('ix_login_attempts_user', ['user_id', 'attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_attempted_at'), ['attempted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_attempted_at'))
        batch_op.drop_index('ix_login_attempts_user')
        batch_op.drop_index('ix_login_attempts_address')
        batch_op.drop_index('ix_login_attempts_pair')

    op.drop_table('login_attempts')
