from flask_wtf import FlaskForm
from wtforms import BooleanField

from marketplace.core.i18n import _l


class PreferencesForm(FlaskForm):
    """One box per column of NotificationPreference (the names match)."""

    reminders = BooleanField(_l("预约开始前提醒我"))
    reminders_email = BooleanField(_l("提醒也发邮件"))
    decisions_email = BooleanField(_l("预约结果（成功、批准、拒绝、取消、过期）发邮件"))
    waitlist_email = BooleanField(_l("候补空出名额时发邮件"))
    messages_email = BooleanField(_l("预约留言发邮件"))
    requests_email = BooleanField(_l("待审批的申请发邮件（工作人员）"))
    reviews_email = BooleanField(_l("评价、回复和举报结果发邮件"))
    feedback_email = BooleanField(_l("群众发声（待答复的意见、对我的答复、上报街道）发邮件"))
    wishes_email = BooleanField(_l("微心愿的进展发邮件"))
    lotteries_email = BooleanField(_l("抽签结果发邮件"))
    invitations_email = BooleanField(_l("需求方邀请我的资源时发邮件"))
    webhooks_email = BooleanField(_l("我登记的 Webhook 因连续失败被停用时发邮件"))
    requests_digest = BooleanField(_l("新申请每天早上汇总成一条，不再逐条通知（工作人员）"))
