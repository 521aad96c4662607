"""Bodies of the device Service Requests about the HAN and the Communications Hub (DUIS 8.1, 8.7–8.12),
and of the Signed Pre-Command that completes every critical Service Request."""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import BodyModel, Complex, El, Seq, Simple

_JOIN_OR_UNJOIN = Complex(Seq(El("OtherDeviceID", t.EUI)), name="JoinOrUnjoinDevice")

# The install code is 6..16 octets in hex (release note V4.0 CR1277: a SMETS2 device's is 16, checked
# by the 8.11 handler as E081111 so that the DUIS outcome, not a schema failure, tells the user).
INSTALL_CODE = Simple("xs:hexBinary", min_length=6, max_length=16)

MODELS = (
    BodyModel("CommissionDeviceSynchroniseClock", Complex(Seq(
        El("CurrentDateTime", t.DATETIME), El("TolerancePeriod", t.TOLERANCE_PERIOD)), name="SynchroniseClock")),
    BodyModel("JoinServiceCritical", _JOIN_OR_UNJOIN),
    BodyModel("JoinServiceNonCritical", _JOIN_OR_UNJOIN),
    BodyModel("UnjoinServiceCritical", _JOIN_OR_UNJOIN),
    BodyModel("UnjoinServiceNonCritical", _JOIN_OR_UNJOIN),
    # 8.9: ReadSecurityDetails (CHF only, GBCS 3.2+) asks for the CHF's security log as well.
    BodyModel("ReadDeviceLog", t.future_dated(Seq(El("ReadSecurityDetails", Complex(None)), min=0))),
    BodyModel("UpdateHANDeviceLog", t.future_dated(
        El("DeviceID", t.EUI),
        El("RequestType", Simple("xs:string", enumeration=("Add", "Remove"))),
        El("AddDeviceToCHFWhitelist", Complex(Seq(
            El("JoinTimePeriod", Simple("xs:positiveInteger", max_inclusive=3600)),
            El("InstallCode", INSTALL_CODE),
            El("ImportMPxN", t.IMPORT_MPXN, min=0),
            El("SecondaryImportMPAN", t.MPAN, min=0),
            El("ExportMPAN", t.MPAN, min=0))), min=0))),
    BodyModel("RestoreHANDeviceLog", Complex(Seq(El("OldCHFID", t.EUI)))),
    BodyModel("RestoreGPFDeviceLog", Complex(Seq(El("OldGPFID", t.EUI)))),
    BodyModel("SignedPreCommand", t.future_dated(El("GBCSPayload", t.BASE64))),
)
