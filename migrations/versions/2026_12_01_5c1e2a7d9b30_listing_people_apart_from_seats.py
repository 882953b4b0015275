"""listings: how many people a listing holds (people), apart from how many bookings it takes at once (capacity)

``capacity`` stays what bookings have always used: 1 is exclusive (the bookings' overlap guard is keyed
on it, through bookings.exclusive), N is N seats booked separately. Existing data: a listing shared by
seats holds at least its seats, so its people start at its capacity; an exclusive listing's size was
never recorded (its capacity 1 counted bookings, not people), so it stays unknown until the provider
gives it.

Revision ID: 5c1e2a7d9b30
Revises: b8f4c2a1d9e3
Create Date: 2026-12-01 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e2a7d9b30'
down_revision = 'b8f4c2a1d9e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('people', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_listings_people_positive'), 'people IS NULL OR people >= 1')
    op.execute("UPDATE listings SET people = capacity WHERE capacity > 1")


def downgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_listings_people_positive'), type_='check')
        batch_op.drop_column('people')
