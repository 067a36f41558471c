"""Networks and neurons built from HH subclasses, one file a model."""

from hh_brainpy.models.cobahh import COBAHH as COBAHH
from hh_brainpy.models.cobahh import TraubMilesHH as TraubMilesHH
from hh_brainpy.models.wang_buzsaki import WangBuzsakiHH as WangBuzsakiHH

__all__ = ["COBAHH", "TraubMilesHH", "WangBuzsakiHH"]
