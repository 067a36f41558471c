"""Networks built from HH subclasses, one file a model."""

from hh_brainpy.models.cobahh import COBAHH as COBAHH
from hh_brainpy.models.cobahh import TraubMilesHH as TraubMilesHH

__all__ = ["COBAHH", "TraubMilesHH"]
