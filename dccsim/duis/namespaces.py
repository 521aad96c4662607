"""XML namespaces of DUIS messages."""

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

NSMAP = {"sr": SR, "ra": RA, "ds": DS}


def sr(local: str) -> str:
    """Clark notation of a ServiceUserGateway element name."""
    return f"{{{SR}}}{local}"


def ds(local: str) -> str:
    return f"{{{DS}}}{local}"
