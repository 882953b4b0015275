"""photos of a wish and of its fulfilment (wish_photos)

Revision ID: a7e3c5b9d2f4
Revises: c3e7a9b2d514
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'a7e3c5b9d2f4'
down_revision = 'c3e7a9b2d514'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'wish_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('wish_id', sa.Integer(), nullable=False),
        sa.Column('of', sa.Enum('wish', 'fulfilment', name='photoof', native_enum=False, length=16),
                  nullable=False),
        sa.Column('filename', sa.String(length=100), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_wish_photos_uploaded_by_id_users')),
        sa.ForeignKeyConstraint(['wish_id'], ['wishes.id'], name=op.f('fk_wish_photos_wish_id_wishes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_photos')),
        sa.UniqueConstraint('filename', name=op.f('uq_wish_photos_filename')),
    )
    op.create_index(op.f('ix_wish_photos_wish_id'), 'wish_photos', ['wish_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_wish_photos_wish_id'), table_name='wish_photos')
    op.drop_table('wish_photos')
