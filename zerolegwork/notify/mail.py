"""E-mail notifications: written as rows with the change, sent by the worker, each exactly once."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from .models import MailState, OutgoingMail


def queue_mail(user_id: int | None, to_address: str, subject: str, body: str, event: str, task_id: int | None) -> None:
    """Write one e-mail and its send job into the current transaction (flush only)."""
    from .. import jobs

    mail = OutgoingMail(
        user_id=user_id,
        to_address=to_address,
        subject=subject[:200],
        body=body,
        event=event,
        human_task_id=task_id,
    )
    db.session.add(mail)
    db.session.flush()
    jobs.enqueue("send_mail", queue="mail", mail_id=mail.id)


def send_mail(mail_id: int) -> str:
    """Job: send one e-mail through the configured SMTP server; without one, keep it unsent. Idempotent."""
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.id == mail_id).with_for_update()).first()
    if mail is None or mail.state != MailState.PENDING:
        return "skipped"
    settings = current_app.config["ZLW"]
    if not settings.smtp_host:
        mail.state = MailState.KEPT
        db.session.flush()
        return str(mail.state)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    mail.state = MailState.SENT
    mail.sent_at = utcnow()
    db.session.flush()
    return str(mail.state)
