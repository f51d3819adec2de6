"""The desk's pages: parse the form, call one selector or service, render. The public
pages (verify, the online birth registration and its receipt, /public/) need no login."""

from shequ.desk.views.applications import (
    application_detail,
    application_list,
    application_new,
    application_step,
)
from shequ.desk.views.births import (
    birth_detail,
    birth_link_child,
    birth_list,
    birth_new,
    birth_online,
    birth_receipt,
    birth_receipt_pdf,
)
from shequ.desk.views.disclosures import (
    disclosure_edit,
    disclosure_list,
    disclosure_new,
    disclosure_publish_births,
    disclosure_withdraw,
    public,
    public_item,
)
from shequ.desk.views.documents import (
    document_detail,
    document_list,
    document_pdf,
    document_replace,
    document_revoke,
    verify,
)

__all__ = [
    "application_detail",
    "application_list",
    "application_new",
    "application_step",
    "birth_detail",
    "birth_link_child",
    "birth_list",
    "birth_new",
    "birth_online",
    "birth_receipt",
    "birth_receipt_pdf",
    "disclosure_edit",
    "disclosure_list",
    "disclosure_new",
    "disclosure_publish_births",
    "disclosure_withdraw",
    "document_detail",
    "document_list",
    "document_pdf",
    "document_replace",
    "document_revoke",
    "public",
    "public_item",
    "verify",
]
