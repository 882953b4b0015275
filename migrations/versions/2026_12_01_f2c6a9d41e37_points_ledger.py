"""the service-points ledger: accounts, append-only transfers, balances kept by the database

Revision ID: f2c6a9d41e37
Revises: d8b4f0a6c2e5
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2c6a9d41e37'
down_revision = 'd8b4f0a6c2e5'
branch_labels = None
depends_on = None

ONCE = "reason IN ('earn_wish', 'earn_service', 'hold', 'take', 'release')"
ENDINGS = "reason IN ('take', 'release')"
SYSTEM = "kind IN ('street', 'issuance', 'holds')"
REFUSAL = "points_transfers are append-only: correct a mistake with a reversal"


def upgrade():
    op.create_table(
        'points_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('user', 'organisation', 'street', 'issuance', 'holds', name='accountkind',
                                  native_enum=False, length=16), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('balance', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(kind = 'user') = (user_id IS NOT NULL)", name=op.f('ck_points_accounts_user_owner')),
        sa.CheckConstraint("(kind = 'organisation') = (organisation_id IS NOT NULL)",
                           name=op.f('ck_points_accounts_organisation_owner')),
        sa.CheckConstraint("balance >= 0 OR kind IN ('street', 'issuance')",
                           name=op.f('ck_points_accounts_no_overdraft')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_points_accounts_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_accounts_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_points_accounts')),
        sa.UniqueConstraint('organisation_id', name=op.f('uq_points_accounts_organisation_id')),
        sa.UniqueConstraint('user_id', name=op.f('uq_points_accounts_user_id')),
    )
    op.create_index('uq_points_accounts_system_kind', 'points_accounts', ['kind'], unique=True,
                    sqlite_where=sa.text(SYSTEM), postgresql_where=sa.text(SYSTEM))
    op.create_table(
        'points_transfers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('destination_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.Enum('earn_wish', 'earn_service', 'grant', 'hold', 'take', 'release', 'reversal',
                                    name='reason', native_enum=False, length=16), nullable=False),
        sa.Column('reference_type', sa.String(length=20), nullable=False),
        sa.Column('reference_id', sa.Integer(), nullable=True),
        sa.Column('reverses_id', sa.Integer(), nullable=True),
        sa.Column('memo', sa.String(length=200), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_points_transfers_amount_positive')),
        sa.CheckConstraint('source_id <> destination_id', name=op.f('ck_points_transfers_two_accounts')),
        sa.CheckConstraint("(reason = 'reversal') = (reverses_id IS NOT NULL)",
                           name=op.f('ck_points_transfers_reversal_names_original')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_points_transfers_actor_id_users')),
        sa.ForeignKeyConstraint(['destination_id'], ['points_accounts.id'],
                                name=op.f('fk_points_transfers_destination_id_points_accounts')),
        sa.ForeignKeyConstraint(['reverses_id'], ['points_transfers.id'],
                                name=op.f('fk_points_transfers_reverses_id_points_transfers')),
        sa.ForeignKeyConstraint(['source_id'], ['points_accounts.id'],
                                name=op.f('fk_points_transfers_source_id_points_accounts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_points_transfers')),
        sa.UniqueConstraint('reverses_id', name=op.f('uq_points_transfers_reverses_id')),
    )
    op.create_index(op.f('ix_points_transfers_actor_id'), 'points_transfers', ['actor_id'])
    op.create_index('ix_points_transfers_source_id_id', 'points_transfers', ['source_id', 'id'])
    op.create_index('ix_points_transfers_destination_id_id', 'points_transfers', ['destination_id', 'id'])
    op.create_index('uq_points_transfers_once', 'points_transfers',
                    ['reference_type', 'reference_id', 'reason', 'destination_id'], unique=True,
                    sqlite_where=sa.text(ONCE), postgresql_where=sa.text(ONCE))
    op.create_index('uq_points_transfers_hold_ending', 'points_transfers', ['reference_type', 'reference_id'],
                    unique=True, sqlite_where=sa.text(ENDINGS), postgresql_where=sa.text(ENDINGS))
    # The balances move with each transfer in the same statement (so they always equal the sum of the
    # transfers, and the no_overdraft CHECK refuses the transfer that would overdraw); transfers are never
    # changed or removed.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION points_transfers_move_balances() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE points_accounts SET balance = balance - NEW.amount WHERE id = NEW.source_id;
                UPDATE points_accounts SET balance = balance + NEW.amount WHERE id = NEW.destination_id;
                RETURN NEW;
            END $$""")
        op.execute("CREATE TRIGGER points_transfers_move_balances AFTER INSERT ON points_transfers "
                   "FOR EACH ROW EXECUTE FUNCTION points_transfers_move_balances()")
        op.execute(f"""
            CREATE FUNCTION points_transfers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'restrict_violation';
            END $$""")
        op.execute("CREATE TRIGGER points_transfers_append_only BEFORE UPDATE OR DELETE ON points_transfers "
                   "FOR EACH ROW EXECUTE FUNCTION points_transfers_append_only()")
    else:
        op.execute("CREATE TRIGGER points_transfers_move_balances AFTER INSERT ON points_transfers BEGIN "
                   "UPDATE points_accounts SET balance = balance - NEW.amount WHERE id = NEW.source_id; "
                   "UPDATE points_accounts SET balance = balance + NEW.amount WHERE id = NEW.destination_id; END")
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER points_transfers_{event.lower()}_append_only BEFORE {event} "
                       f"ON points_transfers BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER points_transfers_append_only ON points_transfers")
        op.execute("DROP TRIGGER points_transfers_move_balances ON points_transfers")
        op.execute("DROP FUNCTION points_transfers_append_only()")
        op.execute("DROP FUNCTION points_transfers_move_balances()")
    op.drop_table('points_transfers')
    op.drop_table('points_accounts')
