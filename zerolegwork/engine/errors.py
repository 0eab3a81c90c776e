"""Errors of the engine, mapped once to HTTP responses and Chinese messages in zerolegwork.errors."""

from __future__ import annotations


class EngineError(Exception):
    """Base of every engine error."""


class ProcessNotDeployedError(EngineError):
    """No deployed definition exists for a process id."""


class TaskNotFoundError(EngineError):
    """The task does not exist, or the user may not see it."""


class TaskNotReadyError(EngineError):
    """The task was completed or cancelled already (a stale or repeated submission)."""

    def __init__(self, state: str, by: str | None = None) -> None:
        super().__init__(state)
        self.state = state
        self.by = by


class ConcurrentUpdateError(EngineError):
    """The instance changed while this request worked on it; nothing was written."""


class NotAllowedToActError(EngineError):
    """The user is not among those who may complete this task."""


class InstanceIncidentError(EngineError):
    """A script or expression failed; the instance is marked as an incident, nothing half-written."""

    def __init__(self, instance_id: int, reason: str) -> None:
        super().__init__(reason)
        self.instance_id = instance_id
        self.reason = reason


class ChainError(EngineError):
    """A change to a task's chain of posts was refused: `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ScriptCapacityError(EngineError):
    """No script worker could run the diagram's code now (all busy or none could start): try again later."""


class DiagramUnreadableError(EngineError, ValueError):
    """A BPMN or DMN file of a bundle to compare is not well-formed XML or declares a document type."""
