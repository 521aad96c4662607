"""The outcome table: every outcome the DCC can give, declared once — DUIS response codes and HTTP rejections.

Two kinds of outcome:

* DUIS response codes (I0, I99, E1 ...): the DCC answers with a signed DUIS
  ``Response`` carrying the code (HTTP 200 OK when answered synchronously, or
  delivered later to the user's endpoint).
* HTTP-level rejections: the request is not trustworthy enough to answer in
  DUIS (too large, not well-formed, schema-invalid, unsigned or badly signed,
  replayed, throttled). The DCC answers with the HTTP status alone and a
  one-line plain-text reason.

Titles and meanings follow DUIS section 2.8 (Response Codes) and the SR-specific
codes of 3.8 (their values are the ``sr:ResponseCode`` enumeration of the DUIS
XML schema); the release note V4.0 adds E080902, E080903, E081111, E081401,
E081402 and W081401.

HTTP statuses. Sources: the DUIS V4.0 release note (``../shared/seed``) on
sections 2.7 (HTTP Response Codes) and 2.10 (Error Handling, Table 8):
SECMP0067 adds "429 Too Many Requests" with a RETRY-AFTER delay for non-priority
requests over a User's capacity allocation. The DCC's Error Handling Strategy
guidance (June 2016, section 2.3 "HTTP Response Code handling procedures",
published at paperzz.com/doc/8512932) gives the Users' procedures for the HTTP
codes of DUIS 2.7; its table and DUIS 2.7 itself were not available in the
public material searched (DCC, SmartDCCInnovation repositories, DCC Boxed
documentation), so the statuses of the transport-level rejections below — 400
for a request that is not well-formed, schema-valid XML or whose counter does not
increase, 401 for a signature that does not verify or a certificate that is
unknown or out of its validity period, 413 for a body over the size limit, 503
when the DCC Systems cannot serve the request — are the HTTP/1.1 meanings
(RFC 9110), which the DCC test clients (``@smartdcc/*``) treat alike: any
non-2xx status is a failed request.

This module is the one place a code is declared. ``dccsim.duis.codes`` is generated from it
(``python -m dccsim.duis.outcome_table`` rewrites it; a test fails when it is out of date), so that
every code is a name type checkers and editors see: code that names a code that does not exist fails
at import, not with a 500 at run time.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Outcome:
    """One row of the outcome table."""

    key: str               # DUIS response code, or HTTP-<status>-<reason> for HTTP-level rejections
    http_status: int
    title: str
    meaning: str
    duis_response: bool     # True: answered with a signed DUIS Response carrying ``key``

    @property
    def is_error(self) -> bool:
        return self.key.startswith("E") or not self.duis_response

    @property
    def is_warning(self) -> bool:
        return self.key.startswith("W")


def _duis(code: str, title: str, meaning: str) -> Outcome:
    return Outcome(code, 200, title, meaning, True)


def _http(key: str, status: int, title: str, meaning: str) -> Outcome:
    return Outcome(key, status, title, meaning, False)


TABLE: tuple[Outcome, ...] = (
    # --- success and acknowledgement -------------------------------------------------------
    _duis("I0", "Success", "The request has had a successful outcome."),
    _duis("I99", "Acknowledgement",
          "The request has been accepted, has passed access control and will be sent to the Device "
          "(its Response follows asynchronously); or a successful Non-Device Service Request with no "
          "specific data in its Response."),
    # --- general validation and access control (DUIS 3.2.5) --------------------------------
    _duis("E1", "Failed Authorisation – Invalid User / User Role",
          "The User / User Role combination is not a valid SEC Party / User Role."),
    _duis("E2", "Failed Authorisation – Invalid User Role / Service Reference",
          "The User Role is not permitted to send this Service Reference."),
    # Never given: the inventory holds no User status (every DCC User of the estate is active).
    _duis("E3", "Failed Authorisation – Invalid User Status",
          "The User Status does not permit sending this Service Reference."),
    _duis("E4", "Failed Authorisation – Invalid User / User Role for Device",
          "The User Role is not authorised for the Device at the required date and time."),
    _duis("E5", "Failed Authorisation – Invalid Device Status",
          "The Device's SMI Status is incompatible with the Service Reference."),
    _duis("E11", "Failed Validation – Invalid Service Request / Device Type combination",
          "The Service Reference is not compatible with the specified Device."),
    _duis("E12", "Failed Validation – Invalid Request / Command Variant combination",
          "The Command Variant is not applicable to the Request type."),
    _duis("E13", "Failed Validation – Invalid Request Type for URL",
          "The Request type is not valid for the URL, e.g. a Non-Device Service Request sent to the "
          "Transform URL."),
    _duis("E17", "Failed Authorisation – Not available for Local Command Services",
          "The User Role / Device status combination does not permit a Command for local delivery."),
    _duis("E19", "Failed Authorisation – Device does not exist",
          "The Device ID is not in the Smart Metering Inventory."),
    _duis("E20", "Communications Failure – Unable to Communicate with Device",
          "The DCC Systems cannot establish communications with the Device."),
    _duis("E21", "Communications Failure – No Response Received from Device",
          "No Response was received from the Device for an On Demand or Future Dated Command."),
    _duis("E30", "Time-out – Future Dated Command",
          "The DCC Systems did not receive a Response to a Future Dated Command in time."),
    _duis("E31", "Failed Validation – Invalid Signed Pre-Command",
          "The Signed Pre-Command does not correspond to a Pre-Command issued by the DCC, or its "
          "signature does not verify."),
    # --- SR-specific codes used by the simulator (DUIS 3.8, release note V4.0) ---------------
    _duis("E050101", "Create Schedule – invalid schedule",
          "The schedule dates or the scheduled Service Request are not valid."),
    _duis("E050201", "Read Schedule – unknown schedule",
          "No DCC Schedule with this DSPScheduleID is held for the User."),
    _duis("E050301", "Delete Schedule – unknown schedule",
          "No DCC Schedule with this DSPScheduleID is held for the User."),
    _duis("E080201", "Read Inventory – nothing found",
          "No Device in the Smart Metering Inventory matches the search criteria."),
    # 12.1's own codes in sr:ResponseCode are E120101–E120103; the simulator gives the first (in the
    # CSPRegionResponseCode of a matrix entry) for a property it knows nothing of.
    _duis("E120101", "Request WAN Matrix – property not known",
          "No CSP region can be given for the property: its UPRN or address is not known."),
    _duis("E080301", "Decommission Device – invalid device",
          "The Device cannot be decommissioned in its current status."),
    _duis("E080405", "Update Inventory – invalid status change",
          "The requested Device status change is not permitted from the current status."),
    _duis("E080902", "Read Device Log – feature not supported",
          "The GBCS version that pertains to the Device Model recorded in the SMI for this Device does "
          "not support the chosen features of this Service Request."),
    _duis("E080903", "Read Device Log – ReadSecurityDetails on a non-CHF",
          "The Device Type is not a CHF however 'ReadSecurityDetails' is specified in the Service "
          "Request."),
    _duis("E060701", "Update Device Configuration (Gas Flow) – decimal flow rate not supported",
          "UncontrolledGasFlowRateDecimal is given for a Device whose GBCS version is below 3.2 (release note "
          "V4.0: \"GBCS v3.2 or later\"), or for a SMETS1 GSME whose S1SP does not support it (CR1290)."),
    _duis("E061509", "Update Security Credentials (KRP) – Load Controller on a Device before GBCS v4.0",
          "RemotePartyRole is LoadController for a Device whose GBCS version is earlier than v4.0, which holds "
          "no Load Controller trust anchor cell (release note V4.0 5.6 / 5.8; the condition is the project's "
          "reading, DUIS 3.8.67 not being in the reference material)."),
    _duis("E081111", "Update HAN Device Log – install code length",
          "The Service Request refers to a SMETS2 Device but the InstallCode field is not 32 "
          "characters (representing 16 octets) in length."),
    # The project's reading of DUIS 3.8 (not in the reference material): of 8.12.1's codes (E081202, E081204,
    # E081205) and 8.12.2's (E081221–E081223), the second of each names a restore the DCC cannot make because it
    # holds no backup of the old device's log (``dccsim.catalogue.sr_codes``).
    _duis("E081204", "Restore HAN Device Log – no backup held",
          "The DCC Systems hold no backup of the CHF Device Log of the CHF named in OldCHFID (it never sent a "
          "CS14 alert), so there is nothing to restore."),
    _duis("E081222", "Restore GPF Device Log – no backup held",
          "The DCC Systems hold no backup of the GPF Device Log of the GPF named in OldGPFID (it never sent a "
          "GCS62 alert), so there is nothing to restore."),
    _duis("E081401", "Communications Hub Status Update – not a CHF",
          "The Device Type of the Device being notified is not CHF."),
    _duis("E081402", "Communications Hub Status Update – install date in the future",
          "The install date & time supplied is a future date."),
    _duis("W081401", "Communications Hub Status Update – CHF status",
          "The CHF Device status is not 'InstalledNotCommissioned', which is the only valid status "
          "compatible with this Service Request. The status of the CHF and its GPF is updated to "
          "InstalledNotCommissioned if it is still Pending."),
    _duis("W110101", "Update Firmware – some devices not updated",
          "The firmware is distributed to the valid devices; the others are listed (invalid for this User or "
          "firmware, not commissioned, another request in progress)."),
    _duis("E081301", "Return Local Command Response – not eligible",
          "The original Service Request is not one whose locally delivered response may be returned."),
    _duis("E081302", "Return Local Command Response – invalid response",
          "The Device's GBCS response cannot be authenticated or does not match the original request."),
    # --- HTTP-level rejections (no DUIS Response) -------------------------------------------
    _http("HTTP-400-MALFORMED", 400, "Bad Request",
          "The request is not well-formed XML, uses a DTD or entities, or is not a DUIS Request."),
    _http("HTTP-400-SCHEMA", 400, "Bad Request",
          "The request fails validation against the DUIS XML Schema."),
    _http("HTTP-400-REQUEST-ID", 400, "Bad Request",
          "The RequestID counter is not greater than the last one accepted from this originator."),
    _http("HTTP-401-SIGNATURE", 401, "Unauthorized",
          "The XML signature is missing or invalid, its certificate is unknown or not acceptable, or "
          "the signer is not the originator named in the RequestID."),
    _http("HTTP-404-NOT-FOUND", 404, "Not Found", "No DUIS web service at this URL."),
    _http("HTTP-405-METHOD", 405, "Method Not Allowed", "DUIS web services accept POST only."),
    _http("HTTP-413-TOO-LARGE", 413, "Payload Too Large",
          "The request body exceeds the size the DCC accepts."),
    _http("HTTP-429-TOO-MANY", 429, "Too Many Requests",
          "Service Request Traffic Management is in operation: the User has exceeded its capacity "
          "allocation and this non-priority request is rejected; retry after the Retry-After delay."),
    _http("HTTP-501-NOT-IMPLEMENTED", 501, "Not Implemented",
          "The simulator does not implement this Service Request variant yet."),
    _http("HTTP-500-INTERNAL", 500, "Internal Server Error",
          "The DCC Systems could not process the request."),
    _http("HTTP-503-UNAVAILABLE", 503, "Service Unavailable",
          "The DCC Systems cannot serve the request now (e.g. a DCC credential it needs is not usable)."),
)


CODES_MODULE = Path(__file__).with_name("codes.py")


def constant_name(key: str) -> str:
    """The Python name of an outcome key: ``HTTP-400-SCHEMA`` → ``HTTP_400_SCHEMA``."""
    return key.replace("-", "_")


def codes_source() -> str:
    """The text of ``dccsim.duis.codes``, generated from ``TABLE``."""
    names = [constant_name(o.key) for o in TABLE]
    lines = [
        '"""Every outcome code of the table in ``dccsim.duis.outcome_table``, as names.',
        "",
        "Generated by ``python -m dccsim.duis.outcome_table``: do not modify.",
        '"""',
        "from __future__ import annotations",
        "",
        "import enum",
        "from typing import Final",
        "",
        "__all__ = [",
        *[f'    "{n}",' for n in ["Code", *names]],
        "]",
        "",
        "",
        "class Code(enum.StrEnum):",
        '    """Every outcome key of the table (DUIS response codes and HTTP-level rejections)."""',
        "",
    ]
    for outcome, name in zip(TABLE, names):
        lines.append(f'    {name} = "{outcome.key}"')
        lines.append(f"    \"\"\"{outcome.title}\"\"\"")
    lines.append("")
    lines.append("")
    for name in names:
        lines.append(f"{name}: Final = Code.{name}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    CODES_MODULE.write_text(codes_source())
    print(f"wrote {CODES_MODULE}")
