"""Bodies of the supply, auxiliary load and auxiliary controller Service Requests (DUIS 7.x)."""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import Attr, BodyModel, Complex, El, Seq, Simple

_SWITCH = (t.index(5),)
_ON_OFF_FOR = Complex(Seq(El("Duration", t.UNSIGNED_SHORT)), attributes=_SWITCH, name="ActivateDeactivateALCSHCALCS")
# 7.13 / 7.16: an auxiliary proportional controller's level (0–100 %) for a period.
_CONTROLLER_LEVEL = Complex(Seq(
    El("StartDateTime", t.DATETIME), El("EndDateTime", t.DATETIME),
    El("CommandedStateLevel", t.AUXILIARY_CONTROLLER_LEVEL), El("InputFromControlledLoad", t.EMPTY, min=0)),
    attributes=(Attr("auxiliaryControllerN", t.index(5).type),))


def _boost_button(element: str) -> Complex:
    """For each of the 5 switches: whether the boost button now controls it (or stops doing so)."""
    return t.future_dated(Seq(El(element, t.indexed_value(t.BOOLEAN, 5)), min=5, max=5))


MODELS = (
    BodyModel("EnableSupply", Complex(None)),
    BodyModel("DisableSupply", Complex(None)),
    BodyModel("ArmSupply", Complex(None)),
    BodyModel("ReadSupplyStatus", t.READ_NOW),
    BodyModel("ActivateAuxiliaryLoad", Complex(Seq(El("ActivateALCSHCALCS", _ON_OFF_FOR)))),
    BodyModel("DeactivateAuxiliaryLoad", Complex(Seq(El("DeactivateALCSHCALCS", _ON_OFF_FOR)))),
    BodyModel("ReadALCSData", t.future_dated()),
    BodyModel("ResetAuxiliaryLoad", Complex(Seq(El("ResetALCSHCALCS", Complex(None, attributes=_SWITCH))))),
    BodyModel("AddAuxiliaryLoadToBoostButton", _boost_button("AddToBoostButton")),
    BodyModel("RemoveAuxiliaryLoadFromBoostButton", _boost_button("RemoveFromBoostButton")),
    BodyModel("ReadBoostButtonDetails", t.READ_LOG),
    BodyModel("SetRandomisedOffsetLimit", Complex(Seq(
        El("RandomisedOffsetLimit", Simple("xs:nonNegativeInteger", min_inclusive=0, max_inclusive=1799))))),
    BodyModel("SetAuxiliaryControllerState", _CONTROLLER_LEVEL),
    BodyModel("ReadAuxiliaryControllerConfigurationData", t.future_dated()),
    BodyModel("ReadAuxiliaryControllerOperationalData", t.future_dated()),
    BodyModel("LimitAPCLevel", _CONTROLLER_LEVEL),
)
