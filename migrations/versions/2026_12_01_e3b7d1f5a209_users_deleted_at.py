"""users.deleted_at: a deleted account is a fact, shown as 已注销用户 / "Deleted user" in the viewer's language,
instead of that Chinese text stored in the name

Revision ID: e3b7d1f5a209
Revises: d4a8c2e6f913
Create Date: 2026-12-01 17:30:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db


# revision identifiers, used by Alembic.
revision = 'e3b7d1f5a209'
down_revision = 'd4a8c2e6f913'
branch_labels = None
depends_on = None

# What account deletion wrote before this revision (privacy.services.delete_account).
DELETED_NAME = "已注销用户"
UNUSABLE_PASSWORD = "!deleted"


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('deleted_at', marketplace.core.db.UTCDateTime(timezone=True), nullable=True))
    # When each was deleted is the time of its audit entry (one per deletion).
    op.execute(sa.text(
        "UPDATE users SET deleted_at = (SELECT min(audit_entries.created_at) FROM audit_entries "
        "WHERE audit_entries.action = 'user.deleted' AND audit_entries.object_type = 'users' "
        "AND audit_entries.object_id = users.id), display_name = '' "
        "WHERE password_hash = :unusable AND display_name = :deleted_name"
    ).bindparams(unusable=UNUSABLE_PASSWORD, deleted_name=DELETED_NAME))
    op.execute(sa.text("UPDATE users SET deleted_at = created_at WHERE deleted_at IS NULL AND display_name = '' "
                       "AND password_hash = :unusable").bindparams(unusable=UNUSABLE_PASSWORD))


def downgrade():
    op.execute(sa.text("UPDATE users SET display_name = :deleted_name WHERE deleted_at IS NOT NULL")
               .bindparams(deleted_name=DELETED_NAME))
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('deleted_at')
