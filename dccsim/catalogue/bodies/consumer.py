"""Bodies of the Service Requests about what the consumer sees (DUIS 3.x, 9.1)."""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import BodyModel, Complex, El, Seq, Simple

_PRINTABLE = "[ -~]+"

MODELS = (
    BodyModel("DisplayMessage", t.future_dated(
        El("SupplierMessage", Simple("xs:string", min_length=1, max_length=116, pattern=_PRINTABLE)))),
    BodyModel("RestrictAccessForChangeOfTenancy", t.future_dated(El("RestrictionDateTime", t.DATETIME))),
    # 3.3: ALCS clears the Auxiliary Load Control Switch event log of an ESME (ECS15c).
    BodyModel("ClearEventLog", Complex(Seq(
        El("ESMEEventLogType", Simple("xs:string", enumeration=("ESME", "ALCS")), min=0)))),
    BodyModel("UpdateSupplierName", t.future_dated(
        El("SupplierName", Simple("xs:string", max_length=15, pattern=_PRINTABLE)),
        El("SupplierTelephoneNumber", Simple("xs:string", max_length=18, pattern="[0-9 ]+")))),
    BodyModel("DisablePrivacyPIN", Complex(None)),
    BodyModel("RequestCustomerIdentificationNumber", Complex(None)),
)
