"""The local email backend: each email printed as a person reads it (`make run`'s worker output).

Django's console backend prints the MIME source: RFC 2047 headers (`=?utf-8?q?Zo=C3=AB?=`)
and, for long lines, a quoted-printable body. This one prints the same message decoded:
the addresses and subject as written, the plain-text body, and what else it carries.
"""

from __future__ import annotations

from email.mime.base import MIMEBase

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend

RULE = "-" * 72


class ConsoleEmailBackend(EmailBackend):
    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(readable(message))


def readable(message: EmailMessage) -> str:
    lines = [RULE, *_headers(message), "", message.body.rstrip("\n"), *_extras(message), RULE]
    return "\n".join(lines) + "\n"


def _headers(message: EmailMessage) -> list[str]:
    fields = [
        ("From", message.from_email),
        ("To", ", ".join(message.to)),
        ("Cc", ", ".join(message.cc)),
        ("Bcc", ", ".join(message.bcc)),
        ("Reply-To", ", ".join(message.reply_to)),
        ("Subject", message.subject),
    ]
    return [f"{name + ':':<10}{value}" for name, value in fields if value]


def _extras(message: EmailMessage) -> list[str]:
    extras = []
    if isinstance(message, EmailMultiAlternatives):
        extras += [f"[also sent as {alternative[1]}]" for alternative in message.alternatives]
    for attachment in message.attachments:
        # A (filename, content, mimetype) tuple, or a MIME part attached as it is.
        name = attachment.get_filename() if isinstance(attachment, MIMEBase) else attachment[0]
        extras.append(f"[attachment: {name or '(no name)'}]")
    return ["", *extras] if extras else []
