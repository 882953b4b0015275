"""Forming groups and keeping their member lists."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.accounts.services import find_user_by_login
from marketplace.core.db import get_by_id
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.validation import clean_text
from marketplace.groups.models import Group, GroupMember

MAX_MEMBERS = 500
MAX_GROUPS_LED = 20


def create_group(session: Session, leader: User, name: str, description: str = "") -> Group:
    """Form a group led (and joined) by ``leader``; raises ValidationFailed on bad input or too many groups."""
    name = clean_text(name, "name", 50, required=_l("请填写团队名称"), too_long=_l("团队名称不能超过50个字"))
    description = clean_text(description, "description", 2000, too_long=_l("团队简介不能超过2000个字"))
    led = session.scalar(select(func.count()).select_from(Group).where(Group.leader_id == leader.id))
    if led >= MAX_GROUPS_LED:
        raise ValidationFailed(None, _l("一个人最多带领%(n)s个团队", n=MAX_GROUPS_LED))
    group = Group(name=name, description=description, leader_id=leader.id)
    group.members.append(GroupMember(user_id=leader.id))
    session.add(group)
    session.flush()
    return group


def get_group(session: Session, group_id: int, *, viewer: User | None) -> Group:
    """The group if the viewer belongs to it; NotFound otherwise (outsiders do not learn it exists)."""
    group = get_by_id(session, Group, group_id)
    if group is None or not group.has_member(viewer):
        raise NotFound(_l("找不到这个团队"))
    return group


def add_member(session: Session, actor: User, group: Group, login: str) -> GroupMember:
    """Add the registered user with phone/email ``login``; the leader only."""
    if actor is None or group.leader_id != actor.id:
        raise Forbidden(_l("只有团队负责人可以添加成员"))
    user = find_user_by_login(session, login or "")
    if user is None:
        raise ValidationFailed("login", _l("没有找到这个手机号或邮箱对应的用户，请先让对方注册"))
    if group.has_member(user):
        raise Conflict(_l("这个用户已经是团队成员了"), field="login")
    if len(group.members) >= MAX_MEMBERS:
        raise ValidationFailed("login", _l("团队成员最多%(n)s人", n=MAX_MEMBERS))
    membership = GroupMember(user_id=user.id)
    group.members.append(membership)
    session.flush()
    return membership


def remove_member(session: Session, actor: User, group: Group, user_id: int) -> None:
    """The leader removes a member, or a member leaves; the leader cannot leave their own group."""
    if actor is None or (group.leader_id != actor.id and actor.id != user_id):
        raise Forbidden(_l("只有团队负责人可以移除其他成员"))
    if user_id == group.leader_id:
        raise ValidationFailed(None, _l("负责人不能退出自己带领的团队"))
    membership = next((m for m in group.members if m.user_id == user_id), None)
    if membership is None:
        raise NotFound(_l("这个用户不是团队成员"))
    group.members.remove(membership)
    session.flush()


def list_my_groups(session: Session, user: User) -> list[Group]:
    """Groups the user leads or belongs to, by name."""
    return list(session.scalars(
        select(Group).join(GroupMember).where(GroupMember.user_id == user.id)
        .options(selectinload(Group.members)).order_by(Group.name, Group.id)
    ))
