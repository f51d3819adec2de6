"""Every write of the desk: applications and their steps, documents (issue, revoke,
replace, print), the public verification look, birth registrations, public disclosure.
Each checks the role and the jurisdiction, writes the row with its history (actor and
reason) and a change-log event in one transaction. ``actor`` None is the system (the demo,
the command line). Callers write ``from shequ.desk import services; services.x(...)``."""

from shequ.desk.services._common import TooManyAttempts, count_address
from shequ.desk.services.applications import (
    application_accept,
    application_create,
    application_issue,
    application_refuse,
    application_review,
    glory_certificate_problem,
    glory_certificate_record,
    promised_by,
)
from shequ.desk.services.births import (
    birth_receipt_pdf,
    birth_registration_create,
    birth_registration_link_child,
    birth_registration_online,
    marriage_required,
)
from shequ.desk.services.disclosures import (
    disclosure_create,
    disclosure_publish_births,
    disclosure_update,
    disclosure_withdraw,
)
from shequ.desk.services.documents import (
    VerificationAnswer,
    document_pdf,
    document_replace,
    document_revoke,
    verification_look,
)

__all__ = [
    "TooManyAttempts",
    "VerificationAnswer",
    "application_accept",
    "application_create",
    "application_issue",
    "application_refuse",
    "application_review",
    "birth_receipt_pdf",
    "birth_registration_create",
    "birth_registration_link_child",
    "birth_registration_online",
    "count_address",
    "disclosure_create",
    "disclosure_publish_births",
    "disclosure_update",
    "disclosure_withdraw",
    "document_pdf",
    "document_replace",
    "document_revoke",
    "glory_certificate_problem",
    "glory_certificate_record",
    "marriage_required",
    "promised_by",
    "verification_look",
]
