"""Generate a national-scale estate: premises with their hubs, meters and HAN devices, mixed as they are in the
field, their suppliers and network operators spread over several users, on the estate's own CPL.

The same premises count, seed and SMETS1 share give the same estate, entry for entry. Entries are made one
premises at a time, in the structure of an estate YAML file, so an estate is written (``write_estate_yaml``)
or loaded (``generated_items``, read through the checks a file gets) without ever being held in memory.
"""
from __future__ import annotations

import bisect
import itertools
import json
import random
from dataclasses import dataclass
from typing import Any, Iterator, Sequence, TextIO, TypeVar

from dccsim.estate.loader import parse_cpl_entry, parse_device, parse_user
from dccsim.estate.stream import DeviceEntry, EstateItem

T = TypeVar("T")


class Weighted:
    """A table of (weight, value) rows drawn from with one random number."""

    def __init__(self, rows: Sequence[tuple[float, T]]):
        self.values = [value for _, value in rows]
        self.bounds = list(itertools.accumulate(weight for weight, _ in rows))

    def draw(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.bounds, rng.random() * self.bounds[-1])]


# --- the estate's parties ------------------------------------------------------------------------------

# The demo estate's users come first (so the RTDS keys and templates work on a generated estate too).
_DEMO_USERS = [
    ("90-B3-D5-1F-30-01-00-00", "GITTESTSUPPLIER", ["IS", "ES", "GS"]),
    ("90-B3-D5-1F-30-03-00-00", "GITTESTSUPPLIER2", ["IS", "GS", "ES"]),
    ("90-B3-D5-1F-30-02-00-00", "GITTESTNETWORKOPERATOR", ["ED", "GT"]),
    ("90-B3-D5-1F-30-01-00-08", "GITTESTOTHERUSER", ["OU", "RSA"]),
    ("90-B3-D5-1F-30-00-00-02", "DCC", ["ACB"]),
    ("90-B3-D5-1F-30-00-00-01", "DCC RECOVERY", ["Recovery"]),
    ("90-B3-D5-1F-30-00-00-04", "DCC TRANSITIONAL COS", ["TCoS"]),
    ("90-B3-D5-1F-30-00-00-07", "DCC WAN PROVIDER", ["WANProvider"]),
]
_SUPPLIERS = Weighted([
    (22, "90-B3-D5-1F-30-01-00-00"), (14, "90-B3-D5-1F-30-03-00-00"), (18, "90-B3-D5-1F-31-01-00-01"),
    (14, "90-B3-D5-1F-31-01-00-02"), (12, "90-B3-D5-1F-31-01-00-03"), (9, "90-B3-D5-1F-31-01-00-04"),
    (6, "90-B3-D5-1F-31-01-00-05"), (5, "90-B3-D5-1F-31-01-00-06"),
])
_NEW_SUPPLIERS = [(f"90-B3-D5-1F-31-01-00-0{n}", f"SUPPLIER {n}", ["IS", "ES", "GS"]) for n in range(1, 7)]
_NETWORK_OPERATORS = [(f"90-B3-D5-1F-31-02-00-0{n}", f"DNO {n}", ["ED"]) for n in range(1, 4)] + \
                     [(f"90-B3-D5-1F-31-03-00-0{n}", f"GAS TRANSPORTER {n}", ["GT"]) for n in range(1, 3)]


@dataclass(frozen=True)
class Region:
    """A CSP region: its postcode areas, distribution network operators (with their MPAN prefix) and gas
    transporters."""

    name: str
    areas: tuple[str, ...]
    distributors: tuple[tuple[str, str], ...]      # (entity id, MPAN distributor id)
    transporters: tuple[str, ...]


_REGIONS = Weighted([
    (30, Region("North", ("M", "L", "LS", "NE", "G", "EH", "S", "BD"),
                (("90-B3-D5-1F-30-02-00-00", "13"), ("90-B3-D5-1F-31-02-00-01", "15")),
                ("90-B3-D5-1F-30-02-00-00", "90-B3-D5-1F-31-03-00-01"))),
    (35, Region("Central", ("B", "CV", "NG", "LE", "CF", "SA", "DE"),
                (("90-B3-D5-1F-31-02-00-02", "14"), ("90-B3-D5-1F-31-02-00-01", "11")),
                ("90-B3-D5-1F-31-03-00-01", "90-B3-D5-1F-31-03-00-02"))),
    (35, Region("South", ("SO", "BN", "RG", "OX", "PL", "EX", "SE", "SW"),
                (("90-B3-D5-1F-31-02-00-03", "19"), ("90-B3-D5-1F-31-02-00-02", "20")),
                ("90-B3-D5-1F-31-03-00-02", "90-B3-D5-1F-30-02-00-00"))),
])
_STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Victoria Road",
            "Green Lane", "Manor Road", "Threapwood Road", "Kings Road", "The Crescent", "Queens Drive")

# --- the estate's products (its CPL) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A device model: its manufacturer (the CPL's code and the OUI its device ids start with), model, the
    firmware versions on the CPL (oldest first) and how its devices are spread over them."""

    manufacturer: str
    oui: str
    model: str
    firmware: tuple[str, ...]
    versions: Weighted

    def firmware_version(self, rng: random.Random) -> str:
        return self.versions.draw(rng)


def _product(manufacturer: str, oui: str, model: str, *firmware: str) -> Product:
    spread = {1: (1,), 2: (25, 75), 3: (5, 25, 70)}[len(firmware)]
    return Product(manufacturer, oui, model, firmware, Weighted(list(zip(spread, firmware))))


_PRODUCTS: dict[str, Weighted] = {
    "CHF": Weighted([(55, _product("10A1", "0A-1B-2C", "00110001", "00000101", "00000102", "00000103")),
                     (45, _product("20B2", "0B-2C-3D", "00210001", "00000201", "00000202"))]),
    "GPF": Weighted([(55, _product("10A1", "0A-1B-2C", "00110002", "00000101", "00000102")),
                     (45, _product("20B2", "0B-2C-3D", "00210002", "00000201", "00000202"))]),
    "ESME": Weighted([(40, _product("30C3", "0C-3D-4E", "00320001", "00000301", "00000302", "00000303")),
                      (35, _product("40D4", "0D-4E-5F", "00420001", "00000401", "00000402")),
                      (25, _product("1234", "0E-12-34", "00020001", "00000001", "00000002"))]),
    "GSME": Weighted([(60, _product("50E5", "0F-5E-6F", "00530001", "00000501", "00000502", "00000503")),
                      (40, _product("1234", "0E-12-34", "00030001", "00000001", "00000002"))]),
    "PPMID": Weighted([(70, _product("60F6", "1A-6F-70", "00640001", "00000601", "00000602")),
                       (30, _product("1234", "0E-12-34", "00040001", "00000001"))]),
    "HCALCS": Weighted([(100, _product("1234", "0E-12-34", "00050001", "00000001"))]),
    "APC": Weighted([(100, _product("1234", "0E-12-34", "00060001", "00000001"))]),
}
# A hub's GPF is of its CHF's make.
_GPF_OF = {chf.manufacturer: gpf for chf, gpf in zip(_PRODUCTS["CHF"].values, _PRODUCTS["GPF"].values)}
# The device's type code in its id: manufacturer OUI, type, premises number.
_TYPE_CODE = {"CHF": 1, "GPF": 2, "ESME": 3, "GSME": 4, "PPMID": 5, "HCALCS": 6, "APC": 7}

# --- how premises and devices are mixed -----------------------------------------------------------------

_ESME_VARIANTS = Weighted([(860, "A"), (40, "B"), (40, "C"), (25, "AD"), (10, "ADE"), (5, "BD"), (10, "AF"),
                           (5, "ADF"), (5, "CD")])
_METER_STATUS = Weighted([(955, "Commissioned"), (20, "InstalledNotCommissioned"), (10, "Whitelisted"),
                          (5, "Suspended"), (10, "Decommissioned")])
_HUB_STATUS = Weighted([(990, "Commissioned"), (10, "InstalledNotCommissioned")])
_HAN_VARIANT = Weighted([(85, "2.4GHz"), (15, "Dual Band")])
DUAL_FUEL = 0.85            # premises with gas as well as electricity
SAME_SUPPLIER = 0.8         # dual-fuel premises whose gas supplier is their electricity supplier
EXPORT = 0.06               # electricity meters with an export MPAN (generation on the premises)
PPMID = 0.9
HCALCS = 0.08
APC = 0.03


@dataclass(frozen=True)
class EstateSpec:
    """What to generate: how many premises, from which seed, and the share of SMETS1 premises."""

    premises: int
    seed: int = 0
    smets1_share: float = 0.0

    def __post_init__(self) -> None:
        if self.premises < 0:
            raise ValueError("the number of premises cannot be negative")
        if not 0.0 <= self.smets1_share <= 1.0:
            raise ValueError("the SMETS1 share is a fraction between 0 and 1")


def users() -> list[dict[str, Any]]:
    """The estate's users, as estate YAML entries."""
    return [{"entity_id": entity, "name": name, "roles": roles}
            for entity, name, roles in _DEMO_USERS + _NEW_SUPPLIERS + _NETWORK_OPERATORS]


def cpl() -> list[dict[str, Any]]:
    """The estate's Central Products List: every firmware version of every product, as estate YAML entries."""
    entries = []
    for device_type, products in _PRODUCTS.items():
        for product in products.values:
            for firmware in product.firmware:
                entries.append({"manufacturer": product.manufacturer, "model": product.model,
                                "firmware_version": firmware, "device_type": device_type})
    return entries


def premises(spec: EstateSpec) -> Iterator[dict[str, Any]]:
    """Each premises with its devices, as estate YAML entries, in order."""
    rng = random.Random(spec.seed)
    for number in range(1, spec.premises + 1):
        yield _premises(rng, number, rng.random() < spec.smets1_share)


def _premises(rng: random.Random, number: int, smets1: bool) -> dict[str, Any]:
    region = _REGIONS.draw(rng)
    electricity = _SUPPLIERS.draw(rng)
    dual_fuel = rng.random() < DUAL_FUEL
    gas = electricity if rng.random() < SAME_SUPPLIER else _SUPPLIERS.draw(rng)
    distributor, mpan_prefix = rng.choice(region.distributors)
    transporter = rng.choice(region.transporters)
    area = rng.choice(region.areas)
    district, sector = rng.randint(1, 40), rng.randint(0, 9)
    postcode = f"{area}{district} {sector}{chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"

    def device(kind: str, product: Product | None = None, **fields: Any) -> dict[str, Any]:
        product = product or _PRODUCTS[kind].draw(rng)
        entry = {"device_id": f"{product.oui}-{_TYPE_CODE[kind]:02X}-{_dashed(number)}", "type": kind,
                 "status": (_HUB_STATUS if kind in ("CHF", "GPF") else _METER_STATUS).draw(rng),
                 "manufacturer": product.manufacturer, "model": product.model,
                 "firmware_version": product.firmware_version(rng), "gbcs_version": "4.0"}
        if smets1:
            entry["smets_generation"] = "SMETS1"
        entry.update(fields)
        return entry

    chf = device("CHF", smets_chts_version="CHTS V1.6", han_variant=_HAN_VARIANT.draw(rng),
                 parties={"IS": electricity, "GS": gas} if dual_fuel else {"IS": electricity})
    hub = {"chf": chf["device_id"]}
    variant = _ESME_VARIANTS.draw(rng)
    mpan = f"{mpan_prefix}{number:011d}"
    esme = device("ESME", **hub, smets_chts_version="SMETS V5.0", esme_variant=variant,
                  install_code=_install_code(rng), mpxn=mpan,
                  parties={"IS": electricity, "ED": distributor})
    if variant.startswith("B"):
        esme["secondary_import_mpan"] = f"{mpan_prefix}{number + 50_000_000_000:011d}"
    if rng.random() < EXPORT:
        esme["export_mpan"] = f"{mpan_prefix}{number + 90_000_000_000:011d}"
        esme["parties"]["ES"] = electricity
    devices = [chf]
    if dual_fuel:
        gpf = device("GPF", _GPF_OF[chf["manufacturer"]], **hub, parties={"GS": gas, "GT": transporter})
        devices.append(gpf)
        devices.append(esme)
        devices.append(device("GSME", **hub, gpf=gpf["device_id"], smets_chts_version="SMETS V5.0",
                              install_code=_install_code(rng), mpxn=f"{number + 7_000_000_000:010d}",
                              parties={"GS": gas, "GT": transporter}))
    else:
        devices.append(esme)
    for kind, share in (("PPMID", PPMID), ("HCALCS", HCALCS), ("APC", APC)):
        if rng.random() < share:
            devices.append(device(kind, **hub, install_code=_install_code(rng)))
    return {"postcode": postcode, "address_identifier": f"{rng.randint(1, 250)} {rng.choice(_STREETS)}",
            "uprn": f"{200_000_000_000 + number}", "csp_region": region.name, "devices": devices}


def _dashed(number: int) -> str:
    text = f"{number:08X}"
    return "-".join(text[i:i + 2] for i in range(0, 8, 2))


def _install_code(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032X}"


def generated_items(spec: EstateSpec) -> Iterator[EstateItem]:
    """The estate's users, devices and CPL entries, checked as an estate file's are."""
    for i, entry in enumerate(users()):
        yield parse_user(entry, i)
    for entry in premises(spec):
        for j, device in enumerate(entry["devices"]):
            yield DeviceEntry(*parse_device(device, j, entry))
    for i, entry in enumerate(cpl()):
        yield parse_cpl_entry(entry, i)


def write_estate_yaml(out: TextIO, spec: EstateSpec) -> int:
    """Write the estate as an estate YAML file (the format of ``scenarios/demo-estate.yaml``), premises by
    premises; return the number of devices written."""
    out.write(f"# A generated estate: {spec.premises} premises, seed {spec.seed}, SMETS1 share "
              f"{spec.smets1_share} (dccsim estate generate).\n")
    out.write("users:\n")
    for entry in users():
        out.write(f"  - {_flow(entry)}\n")
    out.write("\npremises:\n" if spec.premises else "\npremises: []\n")
    count = 0
    for entry in premises(spec):
        out.write(f"  - postcode: {_scalar(entry['postcode'])}\n"
                  f"    address_identifier: {_scalar(entry['address_identifier'])}\n"
                  f"    uprn: {_scalar(entry['uprn'])}\n"
                  f"    csp_region: {_scalar(entry['csp_region'])}\n"
                  f"    devices:\n")
        for device in entry["devices"]:
            out.write(f"      - {_flow(device)}\n")
            count += 1
    out.write("\ncpl:\n")
    for entry in cpl():
        out.write(f"  - {_flow(entry)}\n")
    return count


def _flow(value: Any) -> str:
    """A value in YAML flow style; every string is double-quoted (a JSON string is a YAML one), so that hex
    and digits stay text."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)
