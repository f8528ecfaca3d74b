"""Assessment: risk scores with reasons, the meeting network, volumes and the cap ledger.

Every output of this package is indicative, not a legal finding (see ``DISCLAIMER``).
"""

from __future__ import annotations

from darkfleet.assess._common import DISCLAIMER, disclaimer, list_dates
from darkfleet.assess._vessels import VESSEL_COLUMNS, assess_vessels, vessel_table
from darkfleet.assess.cap import CapLedger, CapParams, cap_ledger, read_reported
from darkfleet.assess.network import Network, exposure, meeting_graph, to_graphml, to_json
from darkfleet.assess.risk import (
    FLAGS_OF_CONVENIENCE,
    RiskWeights,
    default_weights,
    load_weights,
    risk_scores,
)
from darkfleet.assess.volume import (
    VolumeEstimate,
    VolumeParams,
    scenario_bbl,
    transfer_volumes,
    vessel_dimensions,
)

__all__ = [
    "DISCLAIMER",
    "FLAGS_OF_CONVENIENCE",
    "VESSEL_COLUMNS",
    "CapLedger",
    "CapParams",
    "Network",
    "RiskWeights",
    "VolumeEstimate",
    "VolumeParams",
    "assess_vessels",
    "cap_ledger",
    "default_weights",
    "disclaimer",
    "exposure",
    "list_dates",
    "load_weights",
    "meeting_graph",
    "read_reported",
    "risk_scores",
    "scenario_bbl",
    "to_graphml",
    "to_json",
    "transfer_volumes",
    "vessel_dimensions",
    "vessel_table",
]
