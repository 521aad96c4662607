"""Body models of the Service Requests, one per body element (the child of sr:Body), grouped by DUIS
service area.

Each model is written from the DUIS XML schema's definition of that body: element order, occurrences,
choices, attributes and each value's type and facets. One declaration gives the project's XSD
(``dccsim.catalogue.xsdgen``) and the parser that turns a validated body into typed values for the
handlers. Every body element of DUIS has a model (the catalogue refuses to load otherwise).
"""
from __future__ import annotations

from dccsim.catalogue.bodies import (configuration, consumer, firmware, hub, inventory, prepayment, reads,
                                     schedules, supply, tariff)
from dccsim.catalogue.bodymodel import BodyModel

MODELLED: tuple[BodyModel, ...] = (
    *tariff.MODELS, *prepayment.MODELS, *consumer.MODELS, *reads.MODELS, *schedules.MODELS,
    *configuration.MODELS, *supply.MODELS, *hub.MODELS, *inventory.MODELS, *firmware.MODELS,
)

BODY_MODELS: dict[str, BodyModel] = {}
for _model in MODELLED:
    if _model.element in BODY_MODELS:
        raise RuntimeError(f"two body models for {_model.element}")
    BODY_MODELS[_model.element] = _model


def body_model(element: str) -> BodyModel:
    """The model of a body element (KeyError for an element DUIS does not have)."""
    return BODY_MODELS[element]
