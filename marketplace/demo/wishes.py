"""The demo street's wish wall: wishes in every state, in 幸福里社区 (whose office reviews them), built through the
real services, one escalated to the community's wall by the clock travelling past its days on the grid's."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.config import DefaultConfig
from marketplace.core import clock, zones
from marketplace.places.models import Place
from marketplace.wishes import services as wishes
from marketplace.wishes.models import WishStatus


# (title, what is needed, days until needed, the resident's building, the state to leave it in)
WISHES = (
    ("帮忙换个楼道灯泡", "3单元2楼楼道灯坏了一个多月，想请人帮忙换一下。", 10, "幸福里社区/2号楼", WishStatus.pending),
    ("想要一台旧电脑", "孩子上网课需要电脑，家里没有。", 20, "幸福里社区/6号楼", WishStatus.sent_back),
    ("陪老伴去医院复查", "老伴腿脚不便，下周三上午需要有人陪同去区医院复查。", 8, "幸福里社区/3号楼", WishStatus.open),
    ("教我用手机挂号", "想学会用手机在医院公众号上预约挂号。", 14, "幸福里社区/9号楼", WishStatus.open),
    ("帮忙修理漏水的水龙头", "厨房水龙头一直滴水，自己修不好。", 6, "幸福里社区/5号楼", WishStatus.claimed),
    ("每周帮忙买一次菜", "独居老人，腿脚不便，希望每周有人帮忙买一次菜送上门。", 30, "幸福里社区/7号楼",
     WishStatus.fulfilled),
    ("给孙子辅导一次数学", "孙子初二，数学跟不上，想请人辅导一次。", 12, "幸福里社区/2号楼", WishStatus.confirmed),
)

FULFILMENT_NOTES = {
    "每周帮忙买一次菜": "已经和老人约好每周六上午送菜，第一次已送到。",
    "给孙子辅导一次数学": "周日下午辅导了两个小时，讲了一次函数。",
}


def seed_wishes(session: Session, tree: dict[str, Place], resident: User, staff: User, residents: list[User],
                volunteers: list[User], *, zone: str) -> None:
    """The wall: the demo resident's own wishes, one posted for them by the office (代办) that waits for their
    word, and neighbours' wishes from pending to confirmed; ``volunteers`` (two at least) claim and help."""
    saved = clock.state()
    began = clock.now()
    rules = wishes.Rules(claim_days=DefaultConfig.WISH_CLAIM_PROGRESS_DAYS,
                         escalate_days=DefaultConfig.WISH_ESCALATE_AFTER_DAYS, zone=zone)
    today = zones.local_date(began, zone)
    try:
        # Posted days ago, so that the first open wish has had its days on the grid's wall: it climbed.
        clock.travel_to(began - timedelta(days=rules.escalate_days + 1))
        made = []
        for n, (title, need, days, building, state) in enumerate(WISHES):
            owner = resident if building.endswith("/2号楼") else residents[n % len(residents)]
            made.append((_post(session, owner, title, need, today + timedelta(days=days), tree[building], rules),
                         state))
        for wish, state in made:
            _move_to(session, wish, state, staff, volunteers, rules)
        clock.travel_to(began)
        for wish in wishes.due_escalations(session, began, limit=len(made))[:1]:
            wishes.escalate_if_due(session, wish, began, rules=rules)
        wishes.post_wish(session, staff, wishes.WishInput(
            title="代办：家里的轮椅坏了", need="轮椅刹车失灵，想找人看看能不能修。", needed_by=today + timedelta(days=15),
            place_id=tree["幸福里社区/2号楼"].id, resident_login=resident.phone), rules=rules)
    finally:
        clock.restore(saved)


def _post(session: Session, owner: User, title: str, need: str, needed_by: date, place: Place,
          rules: wishes.Rules):
    return wishes.post_wish(session, owner, wishes.WishInput(title=title, need=need, needed_by=needed_by,
                                                             place_id=place.id), rules=rules)


def _move_to(session: Session, wish, state: WishStatus, staff: User, volunteers: list[User],
             rules: wishes.Rules) -> None:
    if state is WishStatus.pending:
        return
    if state is WishStatus.sent_back:
        wishes.send_back_wish(session, staff, wish, "请说明需要什么配置，以及能否到社区来取")
        return
    wishes.approve_wish(session, staff, wish, rules=rules)
    if state is WishStatus.open:
        return
    wishes.claim_wish(session, volunteers[0], wish, rules=rules)
    wishes.join_wish(session, volunteers[1], wish)
    if state is WishStatus.claimed:
        return
    wishes.fulfil_wish(session, volunteers[0], wish, FULFILMENT_NOTES[wish.title], 2)
    if state is WishStatus.fulfilled:
        return
    wishes.confirm_wish(session, wish.resident, wish, thanks="孩子说讲得特别清楚，谢谢你们！", rating=5)
