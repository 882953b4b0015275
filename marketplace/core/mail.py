"""Sending email through the SMTP server in the settings (SMTP_HOST, SMTP_PORT, SMTP_FROM)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Mapping


def mail_configured(config: Mapping) -> bool:
    return bool(config.get("SMTP_HOST") and config.get("SMTP_FROM"))


def send_email(config: Mapping, to: str, subject: str, body: str) -> None:
    """Send a plain-text message; raises OSError / smtplib.SMTPException when the server refuses."""
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=10) as smtp:
        smtp.send_message(message)
