"""12.1 Request WAN Matrix: the CSP region and coverage for a property."""
from __future__ import annotations

import copy

from dccsim.duis.responses import add
from dccsim.db.connection import DccConnection
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply, Target, handles
from dccsim.inventory import repository as repo
from dccsim.duis.outcomes import E120101, I0

# Outward-code letters of the postcode areas each CSP region covers (north: Scotland and the north of
# England; central: the Midlands, Wales and East Anglia; south: the rest).
_NORTH = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE",
          "BB", "BD", "BL", "CA", "CH", "CW", "DH", "DL", "DN", "FY", "HD", "HG", "HU", "HX", "L", "LA",
          "LS", "M", "NE", "OL", "PR", "S", "SK", "SR", "TS", "WA", "WF", "WN", "YO"}
_CENTRAL = {"B", "CB", "CF", "CO", "CV", "DE", "DY", "HR", "IP", "LD", "LE", "LL", "LN", "MK", "NG", "NN",
            "NP", "NR", "PE", "SA", "SY", "ST", "TF", "WR", "WS", "WV"}


def region_for_postcode(postcode: str) -> str:
    area = "".join(ch for ch in postcode.strip().upper()[:2] if ch.isalpha())
    for candidate in (area, area[:1]):
        if candidate in _NORTH:
            return "North"
        if candidate in _CENTRAL:
            return "Central"
    return "South"


_TECHNOLOGY = {"North": "Long Range Radio", "Central": "Cellular", "South": "Cellular"}


@handles("12.1", target=Target.NONE)
async def request_wan_matrix(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    body = ctx.body
    region = None
    if "UPRN" in body:
        devices = await repo.find_devices(conn, uprn=str(body["UPRN"]))
    else:
        address = body.get("PartialAddress") or {}
        devices = await repo.find_devices(conn, postcode=str(address.get("PostCode")),
                                          address_identifier=str(address.get("AddressIdentifier")))
        region = region_for_postcode(str(address.get("PostCode", "")))
    for device in devices:
        if device.csp_region:
            region = device.csp_region
            break
    if region is None:
        region = "Unknown"
    request_echo = copy.deepcopy(ctx.body_element)

    def fill(message):
        matrix = add(message, "DSPWANMatrix")
        request_echo.tag = request_echo.tag.replace("RequestWANMatrix", "Request")
        matrix.append(request_echo)
        answer = add(matrix, "DSPWANMatrixResponse")
        add(answer, "CSPRegion", region)
        if region == "Unknown":
            add(answer, "CSPRegionResponseCode", E120101)
            return
        add(answer, "CSPRegionResponseCode", I0)
        add(answer, "CoverageAvailability", "true")
        add(answer, "WANTechnology", _TECHNOLOGY.get(region, "Cellular"))
        add(answer, "ConnectivityLikelihood", "High")

    return Reply(I0, fill)
