"""The hub's own GI messages (issue 4): bepaling jeugdhulp, maatregel-voortgang, capaciteit and their answers.

Importing the iJw catalog first keeps the import order fixed: the core catalog merges `hub.gi.catalog` into
BERICHTEN at its end, and that merge needs BerichtInfo defined before hub.gi.catalog is read.
"""

import hub.ijw.catalog  # noqa: F401
