"""The SR catalogue: one source of truth per Service Request (matrix data, routing, body model)."""
from dccsim.catalogue.spec import CATALOGUE, CV_WEB_SERVICE, Catalogue, SRSpec

__all__ = ["CATALOGUE", "CV_WEB_SERVICE", "Catalogue", "SRSpec"]
