"""No full identity number in a log: the filter every log handler passes records through.

A number can reach a log however careful the code is — a request line of a client that put
one in a URL (the runserver request log, ``django.server``), an error message, a traceback.
``RedactIdNumbers`` masks every 18-character identity number in a record's message and
exception text before any handler writes it (settings ``LOGGING``); the error mails, which
add the request (its query string and posted fields), are masked whole."""

import logging

from django.utils.log import AdminEmailHandler

from shequ.core.identifiers import redact_id_numbers


class RedactIdNumbers(logging.Filter):
    """Masks identity numbers in the formatted message and the traceback; keeps the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit: mask them one by one
            message = " ".join(map(str, (record.msg, *(record.args or ()))))
        redacted = redact_id_numbers(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_id_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_id_numbers(record.stack_info)
        return True


class RedactingAdminEmailHandler(AdminEmailHandler):
    """Django's error mail to ``ADMINS``, masked whole: besides the record it holds the
    request's GET, POST and META, which the record's filter does not reach."""

    def send_mail(self, subject, message, *args, **kwargs):
        if kwargs.get("html_message"):
            kwargs["html_message"] = redact_id_numbers(kwargs["html_message"])
        super().send_mail(redact_id_numbers(subject), redact_id_numbers(message), *args, **kwargs)
