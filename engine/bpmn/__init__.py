"""Pure SpiffWorkflow code: no database, no Flask.

Importing the package installs the engine clock into SpiffWorkflow's timer module
(see engine.bpmn.clock), so every timer agrees with `use_clock`, and bounds
multi-instance tasks (see engine.bpmn.bounds).
"""

from engine.bpmn import bounds as _bounds  # noqa: F401 - bounds multi-instance tasks
from engine.bpmn import clock as _clock  # noqa: F401 - installs the clock patch
from engine.bpmn import event_subprocesses as _event_subprocesses  # noqa: F401 - spec fixes
