"""Actions on a task's chain of posts inside a department: return a level (退回上一步), add a signer (加签)."""

from __future__ import annotations

from .. import jobs
from ..audit import services as audit
from ..db import utcnow
from . import store
from .errors import ChainError
from .routing import Actor
from .runtime import lock_for


def return_to_previous_level(human_task_id: int, reason: str, actor: Actor) -> None:
    """Send a task back one post in its department's chain (退回上一步), with the reason; never commits."""
    instance, ht, behalf = lock_for(human_task_id, actor)
    if ht.chain_pos == 0:
        raise ChainError("first_level")
    answers = {"decision": "return", "opinion": reason, "signed_by": actor.name, "signed_at": utcnow().isoformat()}
    store.add_step(ht, actor.id, behalf, answers, to_position=ht.chain_pos - 1)
    audit.record(
        "task.return_level", "human_task", ht.id, actor.id, on_behalf_of_id=behalf, instance=instance.id, reason=reason
    )
    jobs.enqueue("notify_tasks_ready", human_task_ids=[ht.id])


def add_signer(human_task_id: int, post_id: int, actor: Actor) -> None:
    """Add a post of the same department to this task's chain, right after the current step (加签); never commits."""
    instance, ht, behalf = lock_for(human_task_id, actor)
    if post_id in ht.chain[ht.chain_pos + 1 :] or post_id == ht.post_id:
        raise ChainError("already_in_chain")
    if not store.post_belongs_to(post_id, ht.org_code):
        raise ChainError("foreign_post")
    chain = ht.chain or ([ht.post_id] if ht.post_id else [])
    position = ht.chain_pos + 1 if chain else 0
    new_chain = [*chain[:position], post_id, *chain[position:]]
    store.set_chain(ht, new_chain)
    audit.record(
        "task.add_signer", "human_task", ht.id, actor.id, on_behalf_of_id=behalf, instance=instance.id, post=post_id
    )
