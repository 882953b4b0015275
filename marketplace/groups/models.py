from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Base, created_at, intpk


class Group(Base):
    """A residents' team (a choir, a chess club, a parents' group) with one leader."""

    __tablename__ = "groups"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, default="")
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[created_at]

    leader: Mapped[User] = relationship()
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupMember.id"
    )

    def has_member(self, user) -> bool:
        """The leader counts as a member."""
        return user is not None and any(m.user_id == user.id for m in self.members)


class GroupMember(Base):
    """A user's place in a group; the leader has one too."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[intpk]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[created_at]

    group: Mapped[Group] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
