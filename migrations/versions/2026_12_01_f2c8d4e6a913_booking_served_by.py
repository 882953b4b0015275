"""who served a booking (an organisation's member), and the three-way review sides organisation and volunteer

Revision ID: f2c8d4e6a913
Revises: b5d1f3a7c290
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2c8d4e6a913'
down_revision = 'b5d1f3a7c290'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: recreating bookings on SQLite would drop its bookings_no_overlap trigger. SQLite
# takes a foreign key only inline in ADD COLUMN (Alembic would add it as a separate constraint), hence the SQL.
def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute("ALTER TABLE bookings ADD COLUMN served_by_id INTEGER CONSTRAINT fk_bookings_served_by_id_users "
                   "REFERENCES users (id) ON DELETE SET NULL")
    else:
        op.add_column('bookings', sa.Column('served_by_id', sa.Integer(),
                                            sa.ForeignKey('users.id', name=op.f('fk_bookings_served_by_id_users'),
                                                          ondelete='SET NULL'), nullable=True))
    op.create_index(op.f('ix_bookings_served_by_id'), 'bookings', ['served_by_id'], unique=False)
    # "organisation" needs 12 characters. SQLite does not enforce a VARCHAR's length, and changing it there would
    # rebuild the table, so only PostgreSQL's column is widened.
    if not sqlite:
        op.alter_column('reviews', 'side', type_=sa.String(length=16), existing_type=sa.String(length=10),
                        existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM reviews WHERE side IN ('organisation', 'volunteer')")
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('reviews', 'side', type_=sa.String(length=10), existing_type=sa.String(length=16),
                        existing_nullable=False)
    op.drop_index(op.f('ix_bookings_served_by_id'), table_name='bookings')
    op.drop_column('bookings', 'served_by_id')
