"""The password reset email (web side: rendered in the request's language, sent after the commit)."""
from __future__ import annotations

import smtplib

from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.passwords import RESET_CODE_LIFETIME, ResetCode
from marketplace.core.mail import send_email


def send_reset_code(config, issued: ResetCode) -> None:
    """Mail the code to the account's address on file; a refusing server is logged, not shown, since the answer
    must not tell whether the address has an account."""
    minutes = int(RESET_CODE_LIFETIME.total_seconds() // 60)
    body = _("你好，%(name)s：\n\n你的密码重置验证码是 %(code)s，%(minutes)d 分钟内有效，只能使用一次。\n"
             "如果不是你本人操作，请忽略这封邮件，你的密码不会改变。\n\n社区资源超市",
             name=issued.user.display_name, code=issued.code, minutes=minutes)
    try:
        send_email(config, issued.user.email, _("社区资源超市：密码重置验证码"), body)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("password reset mail to user %s failed", issued.user.id)
