"""Retrieval-augmented agents: the ``grounded`` planner and a retrieval graph node.

The ``grounded`` planner answers only from a retrieval toolset's store: it retrieves,
asks the model (JSON-schema constrained) which passages answer the question, and prints
grounded text, each claim followed by its citation (path § heading). With nothing
relevant it says it does not know.
"""

from .answer import DONT_KNOW, compose_answer
from .node import retrieval_node
from .planner import GroundedPlanner

__all__ = ["DONT_KNOW", "GroundedPlanner", "compose_answer", "retrieval_node"]
