"""The region tree as the regional statistics table reads it: nodes with their own sums, and whose table it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...orgs.reference import CHILDREN_LABELS, OWN_LABELS
from ...projects.levels import managing_region


@dataclass
class Node:
    """A region with the sums of its own projects; children in the set-up's order."""

    id: int
    name: str
    level: str
    parent_id: int | None
    own: Any
    children: list[Node] = field(default_factory=list)

    def subtree(self) -> Iterator[Node]:
        """This region and every region below it."""
        yield self
        for child in self.children:
            yield from child.subtree()


def build_tree(rows: Iterable[tuple[int, str, str, int | None, Any]]) -> tuple[Node | None, dict[int, Node]]:
    """The top region and every node by id, from (id, name, level, parent id, sums) rows in display order."""
    nodes = {row[0]: Node(*row) for row in rows}
    top = None
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        if parent is not None:
            parent.children.append(node)
        elif top is None:
            top = node
    return top, nodes


def managed_tree(
    rows: Iterable[tuple[int, str, str, int | None, str | None, Any]], empty: Callable[[], Any]
) -> tuple[Node | None, dict[int, Node]]:
    """The tree from (id, name, level, parent id, 项目级次, sums) rows, a region once per level of its projects.

    Each group of sums is added to the region that manages it (projects.levels.managing_region): a 市本级
    project located in 东河区 counts in 市本级's own sums, not 东河区's.
    """
    regions: dict[int, tuple[int, str, str, int | None, Any]] = {}
    groups: list[tuple[int, str, Any]] = []
    for rid, name, level, parent, managed_at, sums in rows:
        regions.setdefault(rid, (rid, name, level, parent, empty()))
        if managed_at is not None:
            groups.append((rid, managed_at, sums))
    top, nodes = build_tree(regions.values())
    for rid, managed_at, sums in groups:
        nodes[managing_region(rid, managed_at, nodes)].own.add(sums)
    return top, nodes


def table_root(region_id: int | None, top: Node | None, nodes: dict[int, Node]) -> Node | None:
    """Whose table it is: the top for no user; else the user's region, or its parent when nothing is below it."""
    node = nodes.get(region_id) if region_id is not None else None
    if node is None:
        return top
    if not node.children and node.parent_id in nodes:
        return nodes[node.parent_id]  # type: ignore[index]
    return node


def rolled_up(node: Node, total: Any) -> Any:
    """`total` with the own sums of the node's whole subtree added."""
    for each in node.subtree():
        total.add(each.own)
    return total


@dataclass(frozen=True)
class Layout:
    """The regional table of one region: its rows' labels and the project-list filters that select them."""

    total_args: dict[str, str] | None
    own_label: str
    own_args: dict[str, str]
    below_label: str
    below_args: dict[str, str] | None
    below: list[tuple[str, Node, dict[str, str] | None]]


def layout(root: Node, top: Node | None) -> Layout:
    """本级 and the subtotal named by the root's level; a row below selects by region only when it is a leaf."""
    at_top = root is top
    child_level = root.children[0].level if root.children else ""
    leaves_below = all(not child.children for child in root.children)
    return Layout(
        total_args={} if at_top else None,
        own_label=root.name if at_top else OWN_LABELS.get(root.level, root.name),
        own_args={"level": root.level} if at_top else {"within": str(root.id), "level": root.level},
        below_label=CHILDREN_LABELS.get(root.level, ""),
        below_args={"level": child_level} if at_top and leaves_below and child_level else None,
        below=[(c.name, c, None if c.children else {"region_id": str(c.id), "level": c.level}) for c in root.children],
    )
