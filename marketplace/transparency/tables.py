"""The dashboard's tables as header and rows of plain values: what the page shows, the CSV downloads carry and
the column names the JSON uses. Counts arrive already through ``services.published``."""
from __future__ import annotations

from marketplace.core.i18n import _l, _lp
from marketplace.transparency.services import OUTCOMES, Dashboard, Figures

TABLES = ("summary", "weeks", "months", "ranking", "hours", "wishes", "feedback", "pledges", "points")
WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))

FIGURE_COLUMNS = (
    ("hours_open", _l("开放小时")), ("hours_booked", _l("预约小时")), ("utilisation", _l("使用率")),
    ("idle_rate", _l("闲置率")), ("bookings", _l("预约数")),
    *((f"outcome_{name}", label) for name, label in (
        ("completed", _l("已完成")), ("confirmed", _l("已确认")), ("pending", _l("待审核")),
        ("cancelled", _l("已取消")), ("rejected", _l("已拒绝")), ("expired", _l("已过期")),
        ("no_show", _l("爽约")))),
    ("people_served", _l("服务人次")), ("no_show_rate", _l("爽约率")),
    ("auto_release_rate", _l("未签到自动释放率")), ("cancellation_rate", _l("取消率")),
    ("cancellation_lead_hours", _l("平均提前取消小时")),
)


# The other figure groups' tables: (key, label) per column, in the order of the CSV and the page.
GROUP_COLUMNS = {
    "wishes": (("posted", _l("发布的心愿")), ("claimed", _l("已认领的心愿")), ("fulfilled", _l("已完成的心愿")),
               ("median_hours_to_fulfil", _l("完成所需小时（中位数）"))),
    "feedback": (("received", _l("收到的意见")), ("answered", _l("已答复的意见")),
                 ("median_response_hours", _l("答复所需小时（中位数）"))),
    "pledges": (("organisation_id", _l("组织编号")), ("organisation", _lp("one", "组织")), ("year", _l("年度")),
                ("room_hours_pledged", _l("承诺场地小时")), ("room_hours_delivered", _l("兑现场地小时")),
                ("room_share", _l("场地兑现率")), ("volunteer_hours_pledged", _l("承诺志愿小时")),
                ("volunteer_hours_delivered", _l("兑现志愿小时")), ("volunteer_share", _l("志愿兑现率"))),
    "points": (("reason", _l("原因代码")), ("label", _l("原因")), ("direction", _l("获得或花费")),
               ("transfers", _l("笔数")), ("points", _l("积分"))),
}


def figure_row(figures: Figures) -> list:
    public = figures.public()
    values = {**public, **{f"outcome_{name}": public["outcomes"][name] for name in OUTCOMES}}
    return [values[key] for key, _label in FIGURE_COLUMNS]


def table(board: Dashboard, name: str) -> tuple[list[str], list[str], list[list]]:
    """One table of the dashboard: (column keys, column labels, rows)."""
    keys = [key for key, _label in FIGURE_COLUMNS]
    labels = [label for _key, label in FIGURE_COLUMNS]
    if name == "summary":
        return ["scope", *keys], [_l("范围"), *labels], [[board.scope.name, *figure_row(board.total)]]
    if name in ("weeks", "months"):
        periods = board.weeks if name == "weeks" else board.months
        label = _l("周（起始日）") if name == "weeks" else _l("月份")
        return ["period", *keys], [label, *labels], [[period.label, *figure_row(period.figures)]
                                                     for period in periods]
    if name == "hours":
        return (["weekday", *(f"h{hour:02d}" for hour in range(24))], [_l("星期"), *(f"{hour}:00" for hour in range(24))],
                [[weekday, *row] for weekday, row in zip(WEEKDAYS, board.busiest_hours)])
    if name in GROUP_COLUMNS:
        keys, labels = zip(*GROUP_COLUMNS[name])
        group = getattr(board, name)
        rows = [] if group is None else [group] if isinstance(group, dict) else group
        return ["scope", *keys], [_l("范围"), *labels], [[board.scope.name, *(row[key] for key in keys)] for row in rows]
    ranked = [(_l("使用最多"), each) for each in board.most_used] + [(_l("最闲置"), each) for each in board.least_used]
    return (["group", "listing_id", "listing", *keys], [_l("分组"), _l("资源编号"), _lp("one", "资源"), *labels],
            [[group, each.listing_id, each.title, *figure_row(each.figures)] for group, each in ranked])
